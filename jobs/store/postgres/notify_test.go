package postgres_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// waitListening waits until s has made n listening connections and its
// listener is connected.
func waitListening(t *testing.T, s *postgres.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for postgres.ListenerConnections(s) < n || postgres.ListenerPID(s) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("listener: %d connections, pid %d; want %d connections", postgres.ListenerConnections(s), postgres.ListenerPID(s), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// drain empties a coalesced signal channel.
func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// Signals cross stores (as they cross processes): B hears what A commits.
func TestNotifyAcrossStores(t *testing.T) {
	u := schemaURL(t)
	a, b := openAt(t, u), openAt(t, u)
	ready := storetest.Ready(t, b, []string{"mail"})
	revoked := storetest.Revoked(t, b)
	waitListening(t, b, 1)
	drain(ready)
	drain(revoked)

	j := newJob("n1")
	j.Queue = "mail"
	other := newJob("n2")
	other.Queue = "other"
	insert(t, a, other)
	if !silent(ready) {
		t.Fatal("a Ready watcher of mail woke for a job of another queue")
	}
	insert(t, a, j)
	if !recv(ready) {
		t.Fatal("no Ready signal in B after an insert in A")
	}

	fin, stop := b.Finished("n1")
	defer stop()
	got := claim(t, a, "w", 1, at(time.Second), "mail")
	if len(got) != 1 {
		t.Fatal(ids(got))
	}
	if _, err := a.Revoke(bg, "n1", "why not", at(time.Second)); err != nil {
		t.Fatal(err)
	}
	if !recv(revoked) {
		t.Fatal("no Revoked signal in B after a revoke in A")
	}
	select {
	case <-fin:
		t.Fatal("Finished closed before the job finished")
	default:
	}
	if lost, err := a.Finish(bg, []store.Outcome{{ID: "n1", Owner: "w", State: store.Canceled, Error: "why not", FinishedAt: at(2 * time.Second)}}); err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	if !recv(fin) {
		t.Fatal("Finished not closed in B after the job finished in A")
	}

	// A retry outcome wakes Ready (the job is claimable at its RunAt).
	j3 := newJob("n3")
	j3.Queue = "mail"
	insert(t, a, j3)
	recv(ready)
	claim(t, a, "w", 1, at(time.Second), "mail")
	if lost, err := a.Finish(bg, []store.Outcome{{ID: "n3", Owner: "w", State: store.Scheduled, Error: "again", RunAt: at(time.Minute), FinishedAt: at(2 * time.Second)}}); err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	if !recv(ready) {
		t.Fatal("no Ready signal after a retry outcome")
	}
	// Resume wakes Ready.
	if err := a.Pause(bg, "mail"); err != nil {
		t.Fatal(err)
	}
	drain(ready)
	if err := a.Resume(bg, "mail"); err != nil {
		t.Fatal(err)
	}
	if !recv(ready) {
		t.Fatal("no Ready signal after Resume")
	}
	// Deleting an unfinished job wakes its waiters.
	fin4, stop4 := b.Finished("n2")
	defer stop4()
	if err := a.Delete(bg, "n2"); err != nil {
		t.Fatal(err)
	}
	if !recv(fin4) {
		t.Fatal("Finished not closed after the job was deleted")
	}
}

// One Finish of many jobs with long IDs sends its IDs in several
// payloads, each under PostgreSQL's limit, and wakes every waiter; an ID
// too long for a payload wakes every waiter instead.
func TestNotifyManyAndLongIDs(t *testing.T) {
	u := schemaURL(t)
	a, b := openAt(t, u), openAt(t, u)
	const n = 600
	var batch []*store.Job
	for i := range n {
		batch = append(batch, newJob(fmt.Sprintf("%04d-%s", i, strings.Repeat("x", 100))))
	}
	for i := range 20 { // IDs that JSON escapes to six times their length
		batch = append(batch, newJob(fmt.Sprintf("%s%02d", strings.Repeat("\x01", 150), i)))
	}
	long := newJob(strings.Repeat("L", 2000))
	batch = append(batch, long)
	insert(t, a, batch...)
	var chans []<-chan struct{}
	for _, j := range batch {
		ch, stop := b.Finished(j.ID)
		defer stop()
		chans = append(chans, ch)
	}
	waitListening(t, b, 1)
	// The first connection woke every watcher; watch again.
	chans = chans[:0]
	for _, j := range batch {
		ch, stop := b.Finished(j.ID)
		defer stop()
		chans = append(chans, ch)
	}
	got := claim(t, a, "w", len(batch), at(time.Second))
	outs := make([]store.Outcome, len(got))
	for i, j := range got {
		outs[i] = store.Outcome{ID: j.ID, Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)}
	}
	// Finish all but the long one first: the chunks alone must wake them.
	var longOut store.Outcome
	for i, o := range outs {
		if o.ID == long.ID {
			longOut = o
			outs = append(outs[:i], outs[i+1:]...)
			break
		}
	}
	if lost, err := a.Finish(bg, outs); err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	for i, ch := range chans[:len(chans)-1] {
		if !recv(ch) {
			t.Fatalf("watcher %d not woken", i)
		}
	}
	if lost, err := a.Finish(bg, []store.Outcome{longOut}); err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	if !recv(chans[len(chans)-1]) {
		t.Fatal("the long ID's watcher not woken")
	}
}

// Killing the listening connection: the listener reconnects by itself,
// wakes every watcher to re-check, and hears later changes again.
func TestListenerReconnects(t *testing.T) {
	u := schemaURL(t)
	a, b := openAt(t, u), openAt(t, u)
	insert(t, a, newJob("k1"), newJob("k2"))
	ready := storetest.Ready(t, b, nil)
	revoked := storetest.Revoked(t, b)
	waitListening(t, b, 1)
	drain(ready)
	drain(revoked)
	fin, stop := b.Finished("k1")
	defer stop()

	adm := admin(t)
	for round := 2; round <= 4; round++ {
		pid := postgres.ListenerPID(b)
		var ok bool
		if err := adm.QueryRow(bg, "SELECT pg_terminate_backend($1)", int32(pid)).Scan(&ok); err != nil || !ok {
			t.Fatalf("terminate %d: %v %v", pid, ok, err)
		}
		waitListening(t, b, round)
		if postgres.ListenerPID(b) == pid {
			t.Fatal("same backend after the kill")
		}
		if !recv(ready) || !recv(revoked) || !recv(fin) {
			t.Fatal("watchers were not woken to re-check after the reconnect")
		}
		fin, stop = b.Finished("k1")
		defer stop()
	}
	// Notifications flow again.
	j := newJob("k3")
	insert(t, a, j)
	if !recv(ready) {
		t.Fatal("no Ready after the reconnects")
	}
	claim(t, a, "w", 3, at(time.Second))
	if lost, err := a.Finish(bg, []store.Outcome{{ID: "k1", Owner: "w", State: store.Succeeded, FinishedAt: at(time.Second)}}); err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	if !recv(fin) {
		t.Fatal("no Finished after the reconnects")
	}
}

func TestCloseWakesWatchers(t *testing.T) {
	s := openStore(t)
	ready, revoked := storetest.Ready(t, s, nil), storetest.Revoked(t, s)
	fin, stop := s.Finished("x")
	defer stop()
	waitListening(t, s, 1)
	drain(ready)
	drain(revoked)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]<-chan struct{}{"Ready": ready, "Revoked": revoked, "Finished": fin} {
		select {
		case _, ok := <-ch:
			if ok && name != "Finished" {
				// a buffered signal; the next receive must see the close
				if _, ok := <-ch; ok {
					t.Fatalf("%s channel not closed by Close", name)
				}
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s channel not closed by Close", name)
		}
	}
	// After Close: closed channels at once, ErrClosed from calls.
	if !recv(storetest.Ready(t, s, []string{"q"})) || !recv(storetest.Revoked(t, s)) {
		t.Fatal("Ready/Revoked after Close must return a closed channel")
	}
	ch, stop2 := s.Finished("y")
	stop2()
	if !recv(ch) {
		t.Fatal("Finished after Close must return a closed channel")
	}
	if _, err := s.Get(bg, "x"); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Get after Close = %v", err)
	}
	if err := s.Close(); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("second Close = %v", err)
	}
}

func TestFinishedStopReleasesWatcher(t *testing.T) {
	s := openStore(t)
	s.Ready(nil)
	waitListening(t, s, 1) // its first connection wakes every watcher
	_, stop := s.Finished("a")
	_, stop2 := s.Finished("a")
	if _, f, _ := postgres.Watching(s); f != 2 {
		t.Fatalf("%d finished watchers, want 2", f)
	}
	stop()
	stop()
	stop2()
	if _, f, _ := postgres.Watching(s); f != 0 {
		t.Fatalf("%d finished watchers after stop, want 0", f)
	}
}

// An unreadable payload wakes every waiter rather than none.
func TestDispatchBadPayload(t *testing.T) {
	s := openStore(t)
	s.Ready(nil)
	waitListening(t, s, 1) // its first connection wakes every watcher
	fin, stop := s.Finished("a")
	defer stop()
	postgres.Dispatch(s, "")
	postgres.Dispatch(s, "zz")
	postgres.Dispatch(s, `f["b"]`)
	select {
	case <-fin:
		t.Fatal("woken by a payload for another job")
	default:
	}
	postgres.Dispatch(s, "f[not json")
	if !recv(fin) {
		t.Fatal("an unreadable payload did not wake the waiter")
	}
}

// The statements that build their payloads in SQL (here Purge) chunk
// them by escaped length too.
func TestNotifyPurgeOfEscapedIDs(t *testing.T) {
	u := schemaURL(t)
	a, b := openAt(t, u), openAt(t, u)
	b.Ready(nil)
	waitListening(t, b, 1)
	var batch []*store.Job
	var chans []<-chan struct{}
	for i := range 60 {
		j := newJob(fmt.Sprintf("%s%02d", strings.Repeat("\x01", 150), i))
		batch = append(batch, j)
		ch, stop := b.Finished(j.ID)
		defer stop()
		chans = append(chans, ch)
	}
	insert(t, a, batch...)
	if n, err := a.Purge(bg, "", ""); err != nil || n != 60 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	for i, ch := range chans {
		if !recv(ch) {
			t.Fatalf("watcher %d not woken by the purge", i)
		}
	}
}

// A queue name too long for a payload wakes every Ready watcher.
func TestNotifyLongQueueName(t *testing.T) {
	s := openStore(t)
	ready := storetest.Ready(t, s, []string{"short"})
	waitListening(t, s, 1)
	drain(ready)
	j := newJob("lq1")
	j.Queue = strings.Repeat("q", 7500)
	insert(t, s, j)
	if !recv(ready) {
		t.Fatal("no Ready signal for a queue with a long name")
	}
	if got := claim(t, s, "w", 1, at(time.Second), j.Queue); len(got) != 1 {
		t.Fatalf("claimed %v", ids(got))
	}
}
