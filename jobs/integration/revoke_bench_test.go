package integration_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/jobtype"
)

// BenchmarkRevokeLatency measures how long a running job's ctx takes to
// end after Revoke returns, with the revoker in another process (memory:
// in this one, through the worker's client, since a memory store has no
// other process). Each of SPINDLE_BENCH_N (300) rounds enqueues a job
// that waits on its ctx, waits for it to start, has it revoked and waits
// for the cancellation; the worker runs with default options (lease 30s,
// heartbeat 10s), so a store that does not push shows seconds. It reports
// percentiles over every round of every b.N: run it with -benchtime 1x.
//
//	go test -run '^$' -bench RevokeLatency -benchtime 1x ./jobs/integration/
//
// A round whose cancellation arrived before Revoke returned (the push
// outran the reply) counts as 0.
func BenchmarkRevokeLatency(b *testing.B) {
	n := benchN(300)
	rows := []struct {
		name string
		url  func(b *testing.B) string // "" for memory: revoked in process
	}{
		{"memory", func(*testing.B) string { return "" }},
		{"sqlite", func(b *testing.B) string { return "sqlite:" + filepath.Join(b.TempDir(), "revoke.db") }},
		{"redis", func(b *testing.B) string { return servertest.RedisURL(b) }},
		{"postgres", func(b *testing.B) string { return servertest.PostgresURL(b) }},
	}
	for _, row := range rows {
		b.Run(row.name, func(b *testing.B) {
			var lat []time.Duration
			for range b.N {
				lat = append(lat, revokeRounds(b, row.url(b), n)...)
			}
			reportLatency(b, lat)
		})
	}
}

// revokeRounds runs n revoke rounds on a fresh store at url (memory when
// empty) and returns the latency of each.
func revokeRounds(b *testing.B, url string, n int) []time.Duration {
	ctx := context.Background()
	var (
		c      *jobs.Client
		revoke func(id string) (time.Time, error)
		rev    *child
	)
	if url == "" {
		c = benchOpen(b, "memory:")
		revoke = func(id string) (time.Time, error) {
			st, err := c.Inspect().Revoke(ctx, id, "revoked by another client")
			at := time.Now()
			if err == nil && st != jobtype.Running {
				err = fmt.Errorf("revoke of running job %s reported %s", id, st)
			}
			return at, err
		}
	} else {
		c = benchOpen(b, url)
		rev = startChild(b, "revoker", "", childURLEnv+"="+url)
		rev.waitReady(b)
		revoke = func(id string) (time.Time, error) {
			_, err := io.WriteString(rev.stdin, id+"\n")
			return time.Time{}, err // the child reports the instant
		}
	}
	stop := benchWorker(b, c, cancelWatch)
	defer stop()
	canceled := make(map[string]time.Time, n)
	revoked := make(map[string]time.Time, n)
	for range n {
		arg, probe := newCancelProbe()
		h, err := cancelWatch.Enqueue(ctx, c, arg)
		if err != nil {
			b.Fatal(err)
		}
		<-probe.started
		at, err := revoke(h.ID())
		if err != nil {
			b.Fatal(err)
		}
		if !at.IsZero() {
			revoked[h.ID()] = at
		}
		select {
		case <-probe.cause:
			canceled[h.ID()] = probe.at
		case <-time.After(time.Minute):
			b.Fatalf("job %s was not cancelled within a minute of its revoke", h.ID())
		}
	}
	if rev != nil {
		rev.stdin.Close()
		rev.wait(b, 30*time.Second)
		for _, line := range strings.Split(strings.TrimSpace(rev.stdout.String()), "\n") {
			var id, state string
			var ns int64
			if _, err := fmt.Sscan(line, &id, &ns, &state); err != nil {
				b.Fatalf("revoker output %q: %v", line, err)
			}
			if state != string(jobtype.Running) {
				b.Fatalf("revoke of running job %s reported %s", id, state)
			}
			revoked[id] = time.Unix(0, ns)
		}
	}
	lat := make([]time.Duration, 0, n)
	for id, at := range canceled {
		r, ok := revoked[id]
		if !ok {
			b.Fatalf("no revoke instant for job %s", id)
		}
		lat = append(lat, max(0, at.Sub(r)))
	}
	return lat
}
