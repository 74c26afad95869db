package jobs

import (
	"context"
	"fmt"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
)

// openPostgres opens a postgres:// or postgresql:// URL. Errors name the
// URL without its password.
func openPostgres(ctx context.Context, url string) (store.Store, error) {
	s, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("jobs: open %s: %w", postgres.Redact(url), err)
	}
	return s, nil
}
