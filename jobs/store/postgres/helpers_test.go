package postgres_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
)

var (
	bg       = context.Background()
	quietLog = slog.New(slog.DiscardHandler)
)

// testURL returns the server the tests use, or skips the test.
func testURL(t testing.TB) string {
	t.Helper()
	return servertest.URL(t, servertest.PostgresEnv)
}

// freshSchema returns an unused schema name and drops the schema, with
// everything in it, when the test ends.
func freshSchema(t testing.TB) string {
	t.Helper()
	return servertest.PostgresSchema(t, testURL(t))
}

// withParams returns the test URL with query parameters added.
func withParams(t testing.TB, kv ...string) string {
	t.Helper()
	u, err := url.Parse(testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// schemaURL returns the test URL for a fresh schema (dropped at the end).
func schemaURL(t testing.TB, kv ...string) string {
	t.Helper()
	return withParams(t, append([]string{"schema", freshSchema(t)}, kv...)...)
}

// openStore opens a store on a fresh schema, closed and dropped when the
// test ends.
func openStore(t testing.TB, kv ...string) *postgres.Store {
	t.Helper()
	return openAt(t, schemaURL(t, kv...))
}

// openAt opens a store at connString, closed when the test ends.
func openAt(t testing.TB, connString string, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, connString, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// admin opens a connection of its own, closed when the test ends.
func admin(t testing.TB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(bg, testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(bg) })
	return conn
}

// T0 and at mirror storetest's clock.
var T0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func at(d time.Duration) time.Time { return T0.Add(d) }

func newJob(id string) *store.Job {
	return &store.Job{
		ID: id, Name: "task", Queue: "default", Args: []byte(`{"n":1}`),
		State: store.Queued, MaxAttempts: 3, RunAt: T0, EnqueuedAt: T0,
	}
}

// recv reports whether ch delivers within a few seconds.
func recv(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// quiet reports whether ch stays silent for a moment.
func silent(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return false
	case <-time.After(100 * time.Millisecond):
		return true
	}
}
