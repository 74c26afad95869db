package redis

import (
	"context"
	"sync"

	goredis "github.com/redis/go-redis/v9"
	"github.com/spindlehq/spindle/jobs/store"
)

// Importing this package registers the schemes "redis" and "rediss" with
// jobs.Open:
//
//	import _ "github.com/spindlehq/spindle/jobs/store/redis"
func init() { store.Register(driver{}, "redis", "rediss") }

type driver struct{}

// Open opens url with [Open] and no options.
func (driver) Open(ctx context.Context, url string) (store.Store, error) {
	s, err := Open(ctx, url)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// QuietClientLog stops go-redis printing its own connection-pool
// complaints to stderr, for tools that report a store they cannot reach
// in one line of their own. go-redis's logger is process-wide, which is
// why the store never changes it by itself.
func (driver) QuietClientLog() { quietClientLog() }

var quietClientLog = sync.OnceFunc(func() { goredis.SetLogger(discardLog{}) })

type discardLog struct{}

func (discardLog) Printf(context.Context, string, ...any) {}
