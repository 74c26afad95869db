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
func init() { store.Register(driver{store.DriverFunc(openURL)}, "redis", "rediss") }

// driver opens URLs and, for tools, quiets go-redis's own log.
type driver struct{ store.Driver }

// openURL opens url with [Open] and no options.
func openURL(ctx context.Context, url string) (*Store, error) { return Open(ctx, url) }

// QuietClientLog stops go-redis printing its own connection-pool
// complaints to stderr, for tools that report a store they cannot reach
// in one line of their own. go-redis's logger is process-wide, which is
// why the store never changes it by itself.
func (driver) QuietClientLog() { quietClientLog() }

var quietClientLog = sync.OnceFunc(func() { goredis.SetLogger(discardLog{}) })

type discardLog struct{}

func (discardLog) Printf(context.Context, string, ...any) {}
