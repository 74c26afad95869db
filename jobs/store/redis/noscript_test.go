package redis_test

import (
	"context"
	"testing"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/redis"
)

// A server that has lost its scripts (a restart, SCRIPT FLUSH) runs them
// from source: inserts, one job or a batch, and the other calls still
// work.
func TestScriptsRunAfterScriptFlush(t *testing.T) {
	ctx := context.Background()
	ps := servertest.StartRedis(t)
	s, err := redis.Open(ctx, ps.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i, batch := range [][]*store.Job{
		{newJob("one")},
		{newJob("batch-1"), newJob("batch-2")},
	} {
		if err := ps.Client().ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if dups, err := s.Insert(ctx, batch); err != nil || len(dups) != 0 {
			t.Fatalf("insert %d after SCRIPT FLUSH: dups %v, err %v", i, dups, err)
		}
	}
	if err := ps.Client().ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Counts[store.Queued]; got != 3 {
		t.Fatalf("%d jobs queued after the inserts, want 3", got)
	}
}
