package jobs_test

import (
	"context"
	"fmt"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/spindlehq/spindle/jobs"
)

// storeRow opens a fresh client on one kind of store.
type storeRow struct {
	name string
	// bubble runs the test inside a synctest bubble (fake time).
	bubble bool
	open   func(t *testing.T) *jobs.Client
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

func serverURL(t *testing.T, env string) string {
	u := os.Getenv(env)
	if u == "" {
		t.Skipf("%s is not set", env)
	}
	return u
}

// storeRows are the stores every feature test runs against: memory in a
// synctest bubble, SQLite in a temp file in real time, and Redis and
// PostgreSQL when their URLs are set and jobs.Open accepts them.
var storeRows = []storeRow{
	{"memory", true, func(t *testing.T) *jobs.Client { return openURL(t, "memory:") }},
	{"sqlite", false, func(t *testing.T) *jobs.Client {
		return openURL(t, "sqlite:"+filepath.Join(t.TempDir(), "features.db"))
	}},
	{"redis", false, func(t *testing.T) *jobs.Client {
		return openURL(t, isolated(t, serverURL(t, "SPINDLE_REDIS_URL"), "namespace", dropRedisNamespace))
	}},
	{"postgres", false, func(t *testing.T) *jobs.Client {
		return openURL(t, isolated(t, serverURL(t, "SPINDLE_POSTGRES_URL"), "schema", dropPostgresSchema))
	}},
}

var isolatedSeq atomic.Int64

// isolated gives the test a namespace of its own on a shared server (the
// URL parameter param), so tests that count a store's jobs, hold unique
// keys or insert fixed IDs see only their own; drop removes it at cleanup.
func isolated(t *testing.T, u, param string, drop func(t *testing.T, u, ns string)) string {
	t.Helper()
	parsed, err := neturl.Parse(u)
	if err != nil {
		t.Fatalf("%s URL: %v", param, jobs.RedactURL(err.Error()))
	}
	ns := fmt.Sprintf("jt_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, isolatedSeq.Add(1))
	q := parsed.Query()
	q.Set(param, ns)
	parsed.RawQuery = q.Encode()
	t.Cleanup(func() { drop(t, u, ns) })
	return parsed.String()
}

// dropRedisNamespace deletes the keys of namespace ns.
func dropRedisNamespace(t *testing.T, u, ns string) {
	opts, err := redis.ParseURL(u)
	if err != nil {
		return
	}
	rc := redis.NewClient(opts)
	defer rc.Close()
	ctx := context.Background()
	iter := rc.Scan(ctx, 0, "*"+ns+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := rc.Unlink(ctx, keys[:n]...).Err(); err != nil {
			t.Logf("cleanup of redis namespace %s: %v", ns, err)
			return
		}
		keys = keys[n:]
	}
}

// dropPostgresSchema drops schema ns.
func dropPostgresSchema(t *testing.T, u, ns string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Logf("cleanup of postgres schema %s: %v", ns, jobs.RedactURL(err.Error()))
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS "`+ns+`" CASCADE`); err != nil {
		t.Logf("cleanup of postgres schema %s: %v", ns, err)
	}
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
