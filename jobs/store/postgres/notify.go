package postgres

import (
	"encoding/json"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/finwatch"
	"github.com/spindlehq/spindle/jobs/store/internal/watchset"
)

// notifier keeps the in-process watchers of Ready, Finished and Revoked
// signals and feeds them from one listening connection (see listener.go).
// Every Store of a schema, in every process, shares the schema's NOTIFY
// channel; the payload says what changed.
type notifier struct {
	l *listener

	watchset.Hub                   // the Ready and Revoked watchers, and Mu, the notifier's lock
	fin          finwatch.Registry // Finished, FinishedJob and WatchFinishes
}

// Ready returns a channel that receives a value (coalesced: at most one
// is buffered) whenever jobs may have become claimable on one of queues,
// or on any queue when queues is empty: after an insert, a retry
// reschedule, a give-back, a Recover, a Retry, a Wake or a Resume
// committed by any process on the schema, and after the listening
// connection was re-established (changes in between went unheard).
// Signals can be spurious; a worker answers one by calling Claim. Jobs
// scheduled for later are not signalled when their RunAt arrives: workers
// still wake on their own timer for those.
//
// The first call of Ready, Finished or Revoked opens the listening
// connection. Each call registers a watcher that lives until stop
// (idempotent) or Close, so call it once per worker, not once per wait. Close closes the channel,
// so a receiver wakes and sees ErrClosed from its next call. Safe for
// concurrent use.
func (s *Store) Ready(queues []string) (ch <-chan struct{}, stop func()) {
	return s.notify.AddReady(queues, s.notify.l.start)
}

// Finished returns a channel that is closed once job id may have reached
// a final state (or been deleted), and a stop func that releases the
// watcher; call stop when done waiting, whether or not ch was closed. The
// caller confirms with Get: register first, then Get, then wait on ch, so
// a finish between the two is never missed. Any process's commit that
// makes the job final closes ch as soon as its NOTIFY arrives; so does
// re-establishing the listening connection, since changes made while it
// was down went unheard. Close closes every such channel. Safe for
// concurrent use; stop is idempotent.
func (s *Store) Finished(id string) (ch <-chan struct{}, stop func()) {
	ch, _, stop = s.FinishedJob(id)
	return ch, stop
}

// FinishedJob is [Store.Finished] that also hands over the final job when
// the signal carried it (store.FinalNotifier): a Finish that records one
// final outcome sends the job, when it fits a NOTIFY payload, so that its
// waiters skip reading it back. job returns nil until ch is
// closed, and after signals that carried no job; the caller then
// confirms with Get. The job is shared by the watchers of id; do not
// modify it. Safe for concurrent use.
func (s *Store) FinishedJob(id string) (ch <-chan struct{}, job func() *store.Job, stop func()) {
	ch, job, stop = s.notify.fin.Watch(id)
	s.notify.l.start()
	return ch, job, stop
}

// WatchFinishes returns one watch over the finishes of many jobs
// (store.FinishWatch), fed by the listening connection as Finished
// watches are, final jobs carried as FinishedJob carries them; the
// (re)opening of the connection reports all. Close closes it. Safe for
// concurrent use.
func (s *Store) WatchFinishes() store.FinishWatch {
	f := s.notify.fin.Feed()
	s.notify.l.start()
	return f
}

// Revoked returns a channel that receives a value, coalesced, whenever a
// revoke was requested for a Running job by any process on the schema,
// and after the listening connection was re-established. Like Ready, each
// call registers a watcher that lives until stop (idempotent) or Close,
// which closes the channel. Safe for concurrent use.
func (s *Store) Revoked() (ch <-chan struct{}, stop func()) {
	return s.notify.AddRevoked(s.notify.l.start)
}

// dispatch hands one NOTIFY payload to the watchers it concerns.
func (n *notifier) dispatch(payload string) {
	if payload == "" {
		return
	}
	kind, rest := payload[0], payload[1:]
	if kind == 'j' {
		n.dispatchJob(rest)
		return
	}
	var ids []string
	if kind == 'f' && json.Unmarshal([]byte(rest), &ids) != nil {
		kind = 'a' // unreadable: wake every waiter rather than miss one
	}
	n.Mu.Lock()
	defer n.Mu.Unlock()
	switch kind {
	case 'r':
		n.Ready.Signal(rest)
	case '*':
		n.Ready.SignalAll()
	case 'f':
		n.fin.Fire(ids...)
	case 'a':
		n.fin.FireAll()
	case 'v':
		n.Revoked.Signal()
	}
}

// recheck wakes every watcher: the listening connection was (re)opened,
// and whatever happened while nobody listened went unheard.
func (n *notifier) recheck() {
	n.Mu.Lock()
	defer n.Mu.Unlock()
	n.Ready.SignalAll()
	n.Revoked.Signal()
	n.fin.FireAll()
}

// dispatchJob handles a 'j' payload: the JSON of a job's ID, then the
// JSON of the final job (see jobJSON). The job is decoded only when
// someone in this process waits for it.
func (n *notifier) dispatchJob(rest string) {
	dec := json.NewDecoder(strings.NewReader(rest))
	var id string
	if dec.Decode(&id) != nil {
		n.fin.FireAll() // unreadable: wake every waiter rather than miss one
		return
	}
	if !n.fin.Wants(id) {
		return
	}
	var doc jobDoc
	j, err := (*store.Job)(nil), dec.Decode(&doc)
	if err == nil {
		j, err = doc.job()
	}
	if err != nil || j.ID != id || !j.State.Final() {
		j = nil // the waiters read the job back
	}
	n.fin.FireJob(id, j)
}

// watching reports how many watchers are registered (tests).
func (n *notifier) watching() (ready, finished, revoked int) {
	n.Mu.Lock()
	defer n.Mu.Unlock()
	return n.Ready.Len(), n.fin.Watches(), n.Revoked.Len()
}

// close stops the listener, waits for it, and closes every channel so
// that waiters wake up.
func (n *notifier) close() {
	n.l.stop()
	n.Mu.Lock()
	defer n.Mu.Unlock()
	n.Closed = true
	n.Ready.Close()
	n.Revoked.Close()
	n.fin.Close()
}
