package redis_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/redis"
	"github.com/spindlehq/spindle/jobs/storetest"
)

var bg = context.Background()

// pushWait bounds how long a pushed signal may take to arrive. It is a
// bound for a failing test, not a timing assertion: signals normally
// arrive in well under a millisecond.
const pushWait = 5 * time.Second

func recv(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(pushWait):
		t.Fatalf("no %s within %v", what, pushWait)
	}
}

func quietFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("unexpected %s", what)
	case <-time.After(50 * time.Millisecond):
	}
}

// subscribed waits until s's subscriptions of every kind are confirmed.
// The first watcher of each kind is woken by the confirmation (spurious,
// as allowed); watchers registered after it are not.
func subscribed(t *testing.T, s *redis.Store) {
	t.Helper()
	recv(t, storetest.Ready(t, s, []string{"\x00settle"}), "the ready subscription")
	f, stop := s.Finished("\x00settle")
	recv(t, f, "the finished subscription")
	stop()
	recv(t, storetest.Revoked(t, s), "the revoked subscription")
}

func newJob(id string) *store.Job {
	now := time.Now().UTC()
	return &store.Job{ID: id, Name: "task", Queue: "default", Args: []byte(`{}`), State: store.Queued,
		MaxAttempts: 3, RunAt: now, EnqueuedAt: now}
}

// pair opens two stores on one namespace, as two processes would.
func pair(t *testing.T) (a, b *redis.Store) {
	t.Helper()
	a = openStore(t)
	b, err := redis.Open(bg, redisURL(t), redis.WithNamespace(a.Namespace()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

func TestReadyPushedAcrossStores(t *testing.T) {
	a, b := pair(t)
	subscribed(t, a)
	ready := storetest.Ready(t, a, []string{"default"})
	other := storetest.Ready(t, a, []string{"elsewhere"})
	if _, err := b.Insert(bg, []*store.Job{newJob("r1")}); err != nil {
		t.Fatal(err)
	}
	recv(t, ready, "Ready signal for a job another store inserted")
	quietFor(t, other, "Ready signal on a queue nobody inserted into")

	// A second job while the first waits unclaimed does not signal: no
	// worker waits while the ready set is not empty.
	if _, err := b.Insert(bg, []*store.Job{newJob("r2")}); err != nil {
		t.Fatal(err)
	}
	quietFor(t, ready, "Ready signal for a job joining a non-empty ready set")

	// Once a claim empties the set, the next insert signals again.
	now := time.Now().UTC()
	got, err := a.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 10, Owner: "w", Now: now, LeaseUntil: now.Add(time.Minute)})
	if err != nil || len(got) != 2 {
		t.Fatalf("Claim = %d jobs, %v", len(got), err)
	}
	if _, err := b.Insert(bg, []*store.Job{newJob("r3")}); err != nil {
		t.Fatal(err)
	}
	recv(t, ready, "Ready signal after the ready set was emptied")

	// A give-back by another store signals too.
	if _, err := b.Finish(bg, []store.Outcome{{ID: "r1", Owner: "w", State: store.Queued, FinishedAt: now}}); err != nil {
		t.Fatal(err)
	}
	recv(t, ready, "Ready signal after a give-back")

	// So does Resume.
	if err := b.Pause(bg, "default"); err != nil {
		t.Fatal(err)
	}
	if err := b.Resume(bg, "default"); err != nil {
		t.Fatal(err)
	}
	recv(t, ready, "Ready signal after Resume")
}

func TestFinishedPushedAcrossStores(t *testing.T) {
	a, b := pair(t)
	if _, err := a.Insert(bg, []*store.Job{newJob("f1"), newJob("f2"), newJob("f3")}); err != nil {
		t.Fatal(err)
	}
	subscribed(t, a)
	ch1, stop1 := a.Finished("f1")
	defer stop1()
	ch2, stop2 := a.Finished("f2")
	defer stop2()
	ch3, stop3 := a.Finished("f3")
	defer stop3()
	now := time.Now().UTC()
	if _, err := b.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 10, Owner: "w", Now: now, LeaseUntil: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	quietFor(t, ch1, "Finished signal for a job that only started")
	lost, err := b.Finish(bg, []store.Outcome{
		{ID: "f1", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: now},
		{ID: "f2", Owner: "w", State: store.Scheduled, Error: "again", RunAt: now.Add(time.Hour), FinishedAt: now},
	})
	if err != nil || len(lost) != 0 {
		t.Fatalf("Finish: lost %v, %v", lost, err)
	}
	recv(t, ch1, "Finished signal for a job another store finished")
	quietFor(t, ch2, "Finished signal for a job scheduled for a retry")
	// Deleting and revoking wake watchers too.
	if err := b.Delete(bg, "f2"); err != nil {
		t.Fatal(err)
	}
	recv(t, ch2, "Finished signal for a job another store deleted")
	if _, err := b.Revoke(bg, "f3", "stop", now); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch3:
		t.Fatal("a revoke of a running job closed its Finished channel")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestRevokedPushedAcrossStores(t *testing.T) {
	a, b := pair(t)
	subscribed(t, a)
	rev := storetest.Revoked(t, a)
	if _, err := a.Insert(bg, []*store.Job{newJob("v1")}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := a.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 1, Owner: "w", Now: now, LeaseUntil: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if res, err := b.Revoke(bg, "v1", "enough", now); err != nil || res.State != store.Running {
		t.Fatalf("Revoke = %+v, %v", res, err)
	}
	recv(t, rev, "Revoked signal for a revoke made by another store")
	reqs, err := a.RevokeRequests(bg, "w")
	if err != nil || reqs["v1"] != "enough" {
		t.Fatalf("RevokeRequests = %v, %v", reqs, err)
	}
}

func TestFinishedStopAndPurge(t *testing.T) {
	a, b := pair(t)
	if _, err := a.Insert(bg, []*store.Job{newJob("p1"), newJob("p2")}); err != nil {
		t.Fatal(err)
	}
	subscribed(t, a)
	ch, stop := a.Finished("p1")
	stop()
	stop() // idempotent
	ch2, stop2 := a.Finished("p2")
	defer stop2()
	if n, err := b.Purge(bg, "default", store.Queued); err != nil || n != 2 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	recv(t, ch2, "Finished signal after a purge")
	select {
	case <-ch:
		t.Fatal("a stopped watcher's channel was closed")
	default:
	}
}

// TestReconnectWakesWatchers: after the subscription is cut, events
// published meanwhile are lost, so every watcher is woken when it is
// back, and a waiter that re-checks misses nothing.
func TestReconnectWakesWatchers(t *testing.T) {
	ps := servertest.StartRedis(t)
	s, err := redis.Open(bg, ps.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	subscribed(t, s)
	ready := storetest.Ready(t, s, []string{"default"})
	rev := storetest.Revoked(t, s)
	fin, stop := s.Finished("never-finishes")
	defer stop()
	quietFor(t, fin, "Finished signal before anything happened")
	// Cut every subscription connection on this private server.
	if err := ps.Client().Do(bg, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	recv(t, fin, "Finished wake-up after the subscription came back")
	recv(t, ready, "Ready wake-up after the subscription came back")
	recv(t, rev, "Revoked wake-up after the subscription came back")
	// And the subscription works again.
	fin2, stop2 := s.Finished("j1")
	defer stop2()
	other, err := redis.Open(bg, ps.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Insert(bg, []*store.Job{newJob("j1")}); err != nil {
		t.Fatal(err)
	}
	recv(t, ready, "Ready signal after the reconnect")
	if _, err := other.Revoke(bg, "j1", "done", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	recv(t, fin2, "Finished signal after the reconnect")
}

func TestCloseWakesWatchers(t *testing.T) {
	s := openStore(t)
	ready := storetest.Ready(t, s, nil)
	rev := storetest.Revoked(t, s)
	fin, stop := s.Finished("x")
	defer stop()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []<-chan struct{}{ready, rev, fin} {
		// A value may be buffered; after it, the channel must be closed.
		closed := false
		for range 2 {
			select {
			case _, ok := <-ch:
				closed = !ok
			default:
				t.Fatal("Close left a watcher channel open")
			}
			if closed {
				break
			}
		}
		if !closed {
			t.Fatal("a watcher channel delivered values instead of being closed")
		}
	}
	// After Close: closed channels at once, ErrClosed from calls.
	if ch := storetest.Ready(t, s, nil); ch == nil {
		t.Fatal("Ready after Close returned nil")
	} else {
		<-ch
	}
	if ch, stop := s.Finished("y"); ch == nil {
		t.Fatal("Finished after Close returned nil")
	} else {
		<-ch
		stop()
	}
	<-storetest.Revoked(t, s)
	if err := s.Close(); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
	if _, _, err := s.Acquire(bg, store.Lease{Key: "k", Owner: "o", Until: time.Now().Add(time.Hour)}, time.Now()); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Acquire after Close = %v, want ErrClosed", err)
	}
}

// TestSubscribesOnDemand: a store subscribes to a kind of event only when
// it has a watcher of that kind, all on one connection, and a producer
// holds no subscription at all.
func TestSubscribesOnDemand(t *testing.T) {
	ps := servertest.StartRedis(t)
	s, err := redis.Open(bg, ps.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Insert(bg, []*store.Job{newJob("a1")}); err != nil {
		t.Fatal(err)
	}
	channels := func() []string {
		t.Helper()
		chs, err := ps.Client().PubSubChannels(bg, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(chs)
		return chs
	}
	if chs := channels(); len(chs) != 0 {
		t.Fatalf("a producer subscribed to %v", chs)
	}
	f, stop := s.Finished("a1")
	defer stop()
	recv(t, f, "the finished subscription")
	if chs := channels(); !slices.Equal(chs, []string{"{spindle}:ev:f"}) {
		t.Fatalf("an awaiting store subscribed to %v; want only the finished channel", chs)
	}
	recv(t, storetest.Ready(t, s, nil), "the ready subscription")
	recv(t, storetest.Revoked(t, s), "the revoked subscription")
	if chs := channels(); !slices.Equal(chs, []string{"{spindle}:ev:f", "{spindle}:ev:r", "{spindle}:ev:v"}) {
		t.Fatalf("subscribed to %v; want all three channels", chs)
	}
	n, err := ps.Client().PubSubNumSub(bg, "{spindle}:ev:f").Result()
	if err != nil {
		t.Fatal(err)
	}
	clients, err := ps.Client().ClientList(bg).Result()
	if err != nil {
		t.Fatal(err)
	}
	if subs := strings.Count(clients, "flags=P"); n["{spindle}:ev:f"] != 1 || subs != 1 {
		t.Fatalf("%d subscribers of the finished channel, %d subscription connections; want one of each", n["{spindle}:ev:f"], subs)
	}
}
