package memory_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

func TestLeaseBadInput(t *testing.T) {
	s := memory.New()
	defer s.Close()
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		call func() error
		want string
	}{
		{"acquire no key", func() error {
			_, _, err := s.Acquire(ctx, store.Lease{Owner: "o", Until: t0.Add(time.Second)}, t0)
			return err
		}, "empty Key"},
		{"acquire no owner", func() error {
			_, _, err := s.Acquire(ctx, store.Lease{Key: "k", Until: t0.Add(time.Second)}, t0)
			return err
		}, "empty Owner"},
		{"acquire past until", func() error {
			_, _, err := s.Acquire(ctx, store.Lease{Key: "k", Owner: "o", Until: t0}, t0)
			return err
		}, "not after now"},
		{"count no key", func() error { _, err := s.Count(ctx, "", t0.Add(time.Second), t0); return err }, "empty key"},
		{"count past until", func() error { _, err := s.Count(ctx, "k", t0, t0); return err }, "not after now"},
	} {
		if err := c.call(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error mentioning %q", c.name, err, c.want)
		}
	}
	if ls, err := s.Leases(ctx, "", t0); err != nil || len(ls) != 0 {
		t.Fatalf("bad input left leases: %v, %v", ls, err)
	}
}
