package jobs

import (
	"context"
	"errors"

	"github.com/spindlehq/spindle/jobs/store"
)

func openSQLite(ctx context.Context, path string) (store.Store, error) {
	return nil, errors.New("jobs: the sqlite store is not built yet")
}
