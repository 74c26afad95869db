package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/spindlehq/spindle/jobs/store/redis"
)

// redisURL returns SPINDLE_REDIS_URL or skips the test.
func redisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SPINDLE_REDIS_URL")
	if u == "" {
		t.Skip("SPINDLE_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0): Redis store tests skipped")
	}
	return u
}

// testNamespace returns a namespace no other test uses.
func testNamespace() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "spindle-test-" + hex.EncodeToString(b[:])
}

// dropNamespace deletes every key of ns.
func dropNamespace(t testing.TB, url, ns string) {
	t.Helper()
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, "{"+ns+"}:*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			c.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		c.Unlink(ctx, batch...)
	}
	if err := iter.Err(); err != nil {
		t.Errorf("dropping namespace %s: %v", ns, err)
	}
}

// openStore opens a store in a fresh namespace that is closed and deleted
// when the test ends.
func openStore(t testing.TB, opts ...redis.Option) *redis.Store {
	t.Helper()
	url := redisURL(t)
	ns := testNamespace()
	s, err := redis.Open(context.Background(), url, append([]redis.Option{redis.WithNamespace(ns)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		dropNamespace(t, url, ns)
	})
	return s
}
