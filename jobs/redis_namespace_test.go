package jobs_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// redisTestURL returns the Redis URL of SPINDLE_REDIS_URL with a
// namespace of the test's own, whose keys are deleted when the test ends,
// so that tests on the shared server, and runs after runs, do not see
// each other's jobs, unique keys and counts.
func redisTestURL(t *testing.T) string {
	t.Helper()
	base := serverURL(t, "SPINDLE_REDIS_URL")
	var b [6]byte
	_, _ = rand.Read(b[:])
	ns := "jobs-test-" + hex.EncodeToString(b[:])
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	t.Cleanup(func() {
		opts, err := goredis.ParseURL(base)
		if err != nil {
			return
		}
		c := goredis.NewClient(opts)
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, "{"+ns+"}:*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			c.Unlink(ctx, keys...)
		}
	})
	return base + sep + "namespace=" + ns
}
