package cli

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// quietRedisClientLog stops go-redis printing its own connection-pool
// complaints to stderr: the command reports a store it cannot reach in
// one line of its own, and a second, differently formatted line would
// break that contract (and scripts that read stderr). go-redis's logger
// is process-wide, which is why only the command, never the store
// package, changes it.
var quietRedisClientLog = sync.OnceFunc(func() { redis.SetLogger(discardRedisLog{}) })

type discardRedisLog struct{}

func (discardRedisLog) Printf(context.Context, string, ...any) {}
