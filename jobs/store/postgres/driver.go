package postgres

import (
	"context"

	"github.com/spindlehq/spindle/jobs/store"
)

// Importing this package registers the schemes "postgres" and
// "postgresql" with jobs.Open:
//
//	import _ "github.com/spindlehq/spindle/jobs/store/postgres"
func init() { store.Register(store.DriverFunc(openURL), "postgres", "postgresql") }

// openURL opens url with [Open] and no options.
func openURL(ctx context.Context, url string) (*Store, error) { return Open(ctx, url) }
