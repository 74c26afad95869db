package integration_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs"
)

// storeRow opens a fresh client on one kind of store.
type storeRow struct {
	name string
	// bubble runs the test inside a synctest bubble (fake time).
	bubble bool
	open   func(t *testing.T) *jobs.Client
	// pair opens two clients on one fresh store, each with a store
	// instance of its own where the store has instances to share a store
	// (every store but memory, whose clients share the one instance), so
	// that what one does reaches the other as it would another process.
	pair func(t *testing.T) (a, b *jobs.Client)
}

func openURL(t *testing.T, url string) *jobs.Client {
	t.Helper()
	c, err := jobs.Open(context.Background(), url)
	if err != nil {
		if strings.Contains(err.Error(), "unknown scheme") {
			t.Skipf("jobs.Open does not accept this store's scheme yet: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// storeRows are the stores every feature test runs against: memory in a
// synctest bubble, SQLite in a temp file in real time, and Redis and
// PostgreSQL when their URLs are set and jobs.Open accepts them.
var storeRows = []storeRow{
	{"memory", true, func(t *testing.T) *jobs.Client { return openURL(t, "memory:") }, memoryPair},
	{"sqlite", false, func(t *testing.T) *jobs.Client {
		return openURL(t, sqliteURL(t))
	}, func(t *testing.T) (a, b *jobs.Client) { return urlPair(t, sqliteURL(t)) }},
	// A namespace or schema of their own on the shared server, so tests
	// that count a store's jobs, hold unique keys or insert fixed IDs see
	// only their own.
	{"redis", false, func(t *testing.T) *jobs.Client { return openURL(t, servertest.RedisURL(t)) },
		func(t *testing.T) (a, b *jobs.Client) { return urlPair(t, servertest.RedisURL(t)) }},
	{"postgres", false, func(t *testing.T) *jobs.Client { return openURL(t, servertest.PostgresURL(t)) },
		func(t *testing.T) (a, b *jobs.Client) { return urlPair(t, servertest.PostgresURL(t)) }},
}

func sqliteURL(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "features.db") }

// urlPair opens url twice: two clients, two store instances.
func urlPair(t *testing.T, url string) (a, b *jobs.Client) {
	return openURL(t, url), openURL(t, url)
}

// memoryPair opens two clients on one memory store.
func memoryPair(t *testing.T) (a, b *jobs.Client) {
	a, s := memClient(t)
	b, err := jobs.New(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

// eachStore runs fn once per store row. Tests written for it assert
// outcomes, never durations, so they hold in fake and in real time.
func eachStore(t *testing.T, fn func(t *testing.T, c *jobs.Client)) {
	for _, row := range storeRows {
		t.Run(row.name, func(t *testing.T) {
			if row.bubble {
				synctest.Test(t, func(t *testing.T) { fn(t, row.open(t)) })
				return
			}
			fn(t, row.open(t))
		})
	}
}

// eachStorePair is eachStore with two clients on the store (see
// storeRow.pair).
func eachStorePair(t *testing.T, fn func(t *testing.T, a, b *jobs.Client)) {
	for _, row := range storeRows {
		t.Run(row.name, func(t *testing.T) {
			run := func(t *testing.T) {
				a, b := row.pair(t)
				fn(t, a, b)
			}
			if row.bubble {
				synctest.Test(t, run)
				return
			}
			run(t)
		})
	}
}

// fastOpts are worker options that keep real-time runs short.
func fastOpts(o jobs.WorkerOptions) jobs.WorkerOptions {
	if o.PollInterval == 0 {
		o.PollInterval = 5 * time.Millisecond
	}
	return o
}

// events collects a client's events for assertions.
type eventLog struct {
	ch chan jobs.Event
}

func collectEvents(t *testing.T, c *jobs.Client) *eventLog {
	l := &eventLog{ch: make(chan jobs.Event, 10000)}
	stop := c.Subscribe(func(e jobs.Event) { l.ch <- e })
	t.Cleanup(stop)
	return l
}

// waitFor returns the first event of kind for job id, skipping others.
func (l *eventLog) waitFor(t *testing.T, ctx context.Context, kind jobs.EventKind, id string) jobs.Event {
	t.Helper()
	for {
		select {
		case e := <-l.ch:
			if e.Kind == kind && (id == "" || e.JobID == id) {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("no %s event for job %s", kind, id)
		}
	}
}

// testCtx bounds a test: fake time in a bubble, real time elsewhere.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// waitAll returns the first event of kind for each of ids, in any order.
func (l *eventLog) waitAll(t *testing.T, ctx context.Context, kind jobs.EventKind, ids ...string) map[string]jobs.Event {
	t.Helper()
	keys := make([]eventKey, len(ids))
	for i, id := range ids {
		keys[i] = eventKey{kind, id}
	}
	got := make(map[string]jobs.Event)
	for k, e := range l.collect(t, ctx, keys) {
		got[k.id] = e
	}
	return got
}

type eventKey struct {
	kind jobs.EventKind
	id   string
}

// collect returns the first event of each wanted kind and job, in
// whatever order they arrive, skipping others.
func (l *eventLog) collect(t *testing.T, ctx context.Context, want []eventKey) map[eventKey]jobs.Event {
	t.Helper()
	got := make(map[eventKey]jobs.Event)
	wanted := make(map[eventKey]bool)
	for _, k := range want {
		wanted[k] = true
	}
	for len(got) < len(wanted) {
		select {
		case e := <-l.ch:
			if k := (eventKey{e.Kind, e.JobID}); wanted[k] {
				if _, dup := got[k]; !dup {
					got[k] = e
				}
			}
		case <-ctx.Done():
			t.Fatalf("got %d events %v; want one of each of %v", len(got), got, want)
		}
	}
	return got
}
