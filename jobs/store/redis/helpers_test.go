package redis_test

import (
	"context"
	"testing"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs/store/redis"
)

// redisURL returns SPINDLE_REDIS_URL or skips the test.
func redisURL(t testing.TB) string {
	t.Helper()
	return servertest.URL(t, servertest.RedisEnv)
}

// openStore opens a store in a fresh namespace that is closed and deleted
// when the test ends.
func openStore(t testing.TB, opts ...redis.Option) *redis.Store {
	t.Helper()
	ns := servertest.RedisNamespace(t, redisURL(t))
	s, err := redis.Open(context.Background(), redisURL(t), append([]redis.Option{redis.WithNamespace(ns)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
