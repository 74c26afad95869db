//go:build fault

package faulttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// storeKind is one row of the store table.
type storeKind struct {
	name string
	// url returns the URL of a store for t: a fresh one where that is
	// cheap, a shared server otherwise (tests keep to their own queue).
	// It skips t when the store cannot be used here.
	url func(t *testing.T) string
	// shared: processes that open url see the same jobs.
	shared bool
	// heapQueue: the store keeps its jobs in the process's heap, so the
	// heap grows with the backlog by design.
	heapQueue bool
}

var stores = []storeKind{
	{name: "memory", url: func(*testing.T) string { return "memory:" }, heapQueue: true},
	{name: "sqlite", url: func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "jobs.db") }, shared: true},
	{name: "redis", url: serverURL(servertest.RedisURL, "redis"), shared: true},
	{name: "postgres", url: serverURL(servertest.PostgresURL, "postgres"), shared: true},
}

// serverURL gives the test a namespace of its own on a shared server
// (see servertest), removed at cleanup. The row skips while the server's
// variable is unset; a server that cannot be reached fails the test.
func serverURL(isolated func(testing.TB) string, scheme string) func(t *testing.T) string {
	return func(t *testing.T) string {
		t.Helper()
		u := isolated(t)
		requireScheme(t, u, scheme)
		return u
	}
}

// storeNamed returns the row of the store table called name.
func storeNamed(name string) storeKind {
	for _, sk := range stores {
		if sk.name == name {
			return sk
		}
	}
	panic("no store " + name)
}

// requireScheme skips t while jobs.Open refuses url's scheme, and fails it
// when the store is accepted but cannot be opened.
func requireScheme(t *testing.T, url, scheme string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := jobs.Open(ctx, url)
	if err != nil {
		if strings.Contains(err.Error(), "unknown scheme") {
			t.Skipf("jobs.Open does not accept %s URLs yet: %v", scheme, err)
		}
		t.Fatalf("open %s: %v", jobs.RedactURL(url), err)
	}
	c.Close()
}

// forEachStore runs fn as a subtest per store. Subtests run one after
// the other: several measure the heap.
func forEachStore(t *testing.T, fn func(t *testing.T, sk storeKind)) {
	for _, sk := range stores {
		t.Run(sk.name, func(t *testing.T) { fn(t, sk) })
	}
}

// openClient opens url for the test and closes it at cleanup.
func openClient(t *testing.T, url string, opts ...jobs.Option) *jobs.Client {
	t.Helper()
	c, err := jobs.Open(context.Background(), url, opts...)
	if err != nil {
		t.Fatalf("open %s: %v", jobs.RedactURL(url), err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// newClient returns another client on c's store, closed at cleanup.
func newClient(t *testing.T, c *jobs.Client, wrap func(store.Store) store.Store) *jobs.Client {
	t.Helper()
	s := c.Store()
	if wrap != nil {
		s = wrap(s)
	}
	nc, err := jobs.New(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// uniqueQueue names a queue no other test or run uses.
func uniqueQueue(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "fault-" + prefix + "-" + hex.EncodeToString(b[:])
}

// testCtx ends shortly before the test's deadline, so a hang fails with
// the state logged instead of a panic dump.
func testCtx(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	end := time.Now().Add(limit)
	if d, ok := t.Deadline(); ok && d.Add(-10*time.Second).Before(end) {
		end = d.Add(-10 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), end)
	t.Cleanup(cancel)
	return ctx
}
