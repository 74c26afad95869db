package jobs

import (
	"context"
	"fmt"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/sqlite"
)

func openSQLite(ctx context.Context, path string) (store.Store, error) {
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("jobs: open sqlite:%s: %w", path, err)
	}
	return s, nil
}
