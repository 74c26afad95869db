package postgres

import (
	"context"
	"fmt"

	"github.com/spindlehq/spindle/jobs/internal/redact"
	"github.com/spindlehq/spindle/jobs/store"
)

// Importing this package registers the schemes "postgres" and
// "postgresql" with jobs.Open:
//
//	import _ "github.com/spindlehq/spindle/jobs/store/postgres"
func init() { store.Register(driver{}, "postgres", "postgresql") }

type driver struct{}

// Open opens url with [Open] and no options. Its errors name the URL
// without its password.
func (driver) Open(ctx context.Context, url string) (store.Store, error) {
	s, err := Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redact.Text(url), err)
	}
	return s, nil
}
