package jobs

import (
	"context"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/redis"
)

// openRedis opens a redis:// or rediss:// URL. The store's errors name the
// URL with its password hidden.
func openRedis(ctx context.Context, url string) (store.Store, error) {
	s, err := redis.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	return s, nil
}
