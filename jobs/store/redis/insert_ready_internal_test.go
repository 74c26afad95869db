package redis

import (
	"context"
	"maps"
	"os"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs/store"
)

// A lone Queued job goes through scriptInsertReady, a batch through
// scriptInsert: both must store the same job, index it the same way and
// treat a duplicate ID alike.
func TestInsertReadyMatchesInsert(t *testing.T) {
	url := os.Getenv("SPINDLE_REDIS_URL")
	if url == "" {
		t.Skip("SPINDLE_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0): Redis store tests skipped")
	}
	ctx := context.Background()
	ns := servertest.RedisNamespace(t, url)
	s, err := Open(ctx, url, WithNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.UnixMilli(1795298548555).UTC()
	job := func(id string) *store.Job {
		return &store.Job{ID: id, Name: "n", Queue: "q", Priority: 3, Args: []byte(`{"a":1}`), MaxAttempts: 4,
			RunAt: at, EnqueuedAt: at, Retention: time.Hour, Meta: []byte(`{"m":2}`)}
	}
	if dups, err := s.Insert(ctx, []*store.Job{job("lone")}); err != nil || dups != nil {
		t.Fatalf("lone insert: dups %v err %v", dups, err)
	}
	if dups, err := s.Insert(ctx, []*store.Job{job("b1"), job("b2")}); err != nil || dups != nil {
		t.Fatalf("batch insert: dups %v err %v", dups, err)
	}
	lone, err := s.rdb.HGetAll(ctx, s.k.job("lone")).Result()
	if err != nil {
		t.Fatal(err)
	}
	batched, err := s.rdb.HGetAll(ctx, s.k.job("b1")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(lone, batched) {
		t.Errorf("lone job stored as %v, batched one as %v", lone, batched)
	}
	ready, err := s.rdb.ZRangeWithScores(ctx, s.k.prefix+"q:q:ready", 0, -1).Result()
	if err != nil || len(ready) != 3 || ready[0].Member != readyMember(at, "b1") || ready[2].Member != readyMember(at, "lone") || ready[2].Score != -3 {
		t.Errorf("ready set %v (err %v), want b1, b2, lone at score -3", ready, err)
	}
	if n, err := s.rdb.ZCard(ctx, s.k.all).Result(); err != nil || n != 3 {
		t.Errorf("all holds %d IDs (err %v), want 3", n, err)
	}
	if ok, err := s.rdb.SIsMember(ctx, s.k.prefix+"queues", "q").Result(); err != nil || !ok {
		t.Errorf("queue q not registered (err %v)", err)
	}
	again := job("lone")
	again.Args = []byte(`"other"`)
	if dups, err := s.Insert(ctx, []*store.Job{again}); err != nil || len(dups) != 1 || dups[0] != (store.Dup{ID: "lone", Existing: "lone"}) {
		t.Fatalf("lone insert of a stored ID: dups %v err %v, want [{lone lone}]", dups, err)
	}
	if a, _ := s.rdb.HGet(ctx, s.k.job("lone"), fArgs).Result(); a != `{"a":1}` {
		t.Errorf("the stored job's args became %q", a)
	}
}
