package cli

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

var quietRedis sync.Once

// quietRedisLog sends go-redis's own log lines, which it prints on stderr
// (a failed dial, once per retry), to slog.Default at debug level: the
// command reports the same failure in its one line, and the worker logs
// the store errors that matter.
func quietRedisLog() { quietRedis.Do(func() { goredis.SetLogger(redisLogger{}) }) }

type redisLogger struct{}

func (redisLogger) Printf(ctx context.Context, format string, v ...any) {
	if ctx == nil {
		ctx = context.Background()
	}
	slog.Default().DebugContext(ctx, fmt.Sprintf(format, v...), "source", "go-redis")
}
