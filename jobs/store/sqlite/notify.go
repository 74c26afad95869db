package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/finwatch"
	"github.com/spindlehq/spindle/jobs/store/internal/watchset"
)

// notifier delivers Ready, Finished and Revoked signals: at once for
// commits made through this Store, and through the data_version watcher
// for commits made by other connections (other Stores, other processes).
type notifier struct {
	s *core

	fin          finwatch.Registry // Finished and WatchFinishes
	watchset.Hub                   // the Ready and Revoked watchers, and Mu, the notifier's lock
	polling      bool              // a poller goroutine is running

	stop    context.CancelFunc // cancels pollCtx at close
	pollCtx context.Context
	pollers sync.WaitGroup
	// brisk holds, in Unix ns, until when the poller ticks every
	// briskInterval rather than watchInterval: for a while after this
	// Store inserted jobs, since a result from another process is likely
	// then. Not after finishes: a busy worker would poll its own writes
	// every millisecond, and its claimer polls by itself after work.
	brisk atomic.Int64
}

// briskInterval and briskFor: after an insert of its own, the poller looks
// for other processes' commits every millisecond for a quarter second,
// so a round trip across processes is not held up by the idle interval,
// while an idle store still polls at watchInterval.
const (
	briskInterval = time.Millisecond
	briskFor      = 250 * time.Millisecond
)

// wrote marks an insert committed by this Store: the poller turns brisk.
func (n *notifier) wrote() { n.brisk.Store(time.Now().Add(briskFor).UnixNano()) }

func newNotifier(s *core) *notifier {
	n := &notifier{s: s}
	n.pollCtx, n.stop = context.WithCancel(context.Background())
	// Other processes' finishes are seen only by the poller: a new watch
	// of a finish starts it.
	n.fin.OnWatch = func() {
		n.Mu.Lock()
		n.startPollLocked()
		n.Mu.Unlock()
	}
	return n
}

// Ready returns a channel that receives a value (coalesced: at most one
// is buffered) whenever jobs may have become claimable on one of queues,
// or on any queue when queues is empty: after an Insert, a retry
// reschedule, a Recover, a Retry or a Resume through this Store at once,
// and within the watch interval after another process commits anything.
// Signals can be spurious; a worker answers one by calling Claim. Jobs
// scheduled for later are not signalled when their RunAt arrives: workers
// still wake on their own timer for those.
//
// Each call registers a watcher that lives until stop or Close, so call
// it once per worker, not once per wait; while no watcher of any kind is
// registered, nothing polls. Close closes the channel, so a receiver
// wakes and sees ErrClosed from its next call. Safe for concurrent use;
// stop is idempotent.
func (s *Store) Ready(queues []string) (ch <-chan struct{}, stop func()) {
	return s.notify.AddReady(queues, s.notify.startPollLocked)
}

// Finished returns a channel that is closed once job id may have reached
// a final state (or been deleted), and a stop func that releases the
// watcher; call stop when done waiting, whether or not ch was closed. The
// caller confirms with Get: register first, then Get, then wait on ch, so
// a finish between the two is never missed. Finishes through this Store
// close ch right after the commit; finishes by other processes are seen
// within the watch interval. Close closes every such channel. Safe for
// concurrent use; stop is idempotent.
func (s *Store) Finished(id string) (ch <-chan struct{}, stop func()) {
	ch, _, stop = s.notify.fin.Watch(id)
	return ch, stop
}

// WatchFinishes returns one watch over the finishes of many jobs
// (store.FinishWatch), told of them as Finished watches are: at once for
// finishes through this Store, within the watch interval for other
// processes'. While it watches any job, the data_version poller runs.
// Safe for concurrent use.
func (s *Store) WatchFinishes() store.FinishWatch { return s.notify.fin.Feed() }

// Revoked returns a channel that receives a value (coalesced: at most one
// is buffered) whenever a revoke of a Running job was requested, so a
// worker calls RevokeRequests at once instead of at its next heartbeat:
// right after the commit for revokes made through this Store, and within
// the watch interval ([WithWatchInterval], 5ms by default) for revokes
// made by other Stores or processes, which the data_version poller finds.
// Signals can be spurious.
//
// Each call registers a watcher that lives until stop or Close, so call
// it once per worker; while any watcher is registered the poller runs.
// Close closes the channel. Safe for concurrent use; stop is idempotent.
func (s *Store) Revoked() (ch <-chan struct{}, stop func()) {
	return s.notify.AddRevoked(s.notify.startPollLocked)
}

// revoked signals every Revoked watcher.
func (n *notifier) revoked() {
	n.Mu.Lock()
	defer n.Mu.Unlock()
	n.Revoked.Signal()
}

// watchingLocked reports whether anyone waits for a signal.
func (n *notifier) watchingLocked() bool {
	return n.Ready.Len() > 0 || n.fin.Watching() || n.Revoked.Len() > 0
}

func (n *notifier) signalReadyLocked(all bool, queues []string) {
	if all {
		n.Ready.SignalAll()
	} else {
		n.Ready.Signal(queues...)
	}
}

// ready signals the Ready watchers of queues.
func (n *notifier) ready(queues ...string) {
	if len(queues) == 0 {
		return
	}
	n.Mu.Lock()
	defer n.Mu.Unlock()
	n.signalReadyLocked(false, queues)
}

// readyJobs signals the queues of the inserted jobs (skipping dups).
func (n *notifier) readyJobs(jobs []*store.Job, dups []string) {
	n.wrote()
	n.Mu.Lock()
	defer n.Mu.Unlock()
	if n.Ready.Len() == 0 {
		return
	}
	var queues []string
	for _, j := range jobs {
		if !slices.Contains(queues, j.Queue) && !slices.Contains(dups, j.ID) {
			queues = append(queues, j.Queue)
		}
	}
	n.signalReadyLocked(false, queues)
}

// finished closes the channels of the watchers of ids.
func (n *notifier) finished(ids ...string) { n.fin.Fire(ids...) }

// finishedAll wakes every Finished watcher: after a purge, when which
// jobs went is not worth listing.
func (n *notifier) finishedAll() { n.fin.FireAll() }

// finishedOutcomes signals what a committed Finish changed: watchers of
// jobs now final, and Ready watchers when a job was rescheduled.
func (n *notifier) finishedOutcomes(outcomes []store.Outcome, lost []string) {
	n.Mu.Lock()
	defer n.Mu.Unlock()
	retried := false
	for _, o := range outcomes {
		if slices.Contains(lost, o.ID) {
			continue
		}
		if o.State == store.Scheduled || o.State == store.Queued {
			retried = true
		} else {
			n.fin.Fire(o.ID)
		}
	}
	if retried {
		n.signalReadyLocked(true, nil)
	}
}

// startPollLocked starts the data_version poller if it is not running.
func (n *notifier) startPollLocked() {
	if n.polling || n.Closed {
		return
	}
	n.polling = true
	n.pollers.Add(1)
	go n.poll()
}

// close stops the poller, waits for it, and closes every channel so that
// waiters wake up.
func (n *notifier) close() {
	n.Mu.Lock()
	n.Closed = true
	n.stop()
	n.Ready.Close()
	n.Revoked.Close()
	n.fin.Close()
	n.Mu.Unlock()
	n.pollers.Wait()
}

// poll watches for commits by other connections while anyone is watching.
// PRAGMA data_version changes whenever another connection (in any
// process) commits; it is answered from the connection's own state, so
// polling it every few milliseconds costs next to nothing. When it moves,
// Ready watchers are signalled and Finished watchers are checked against
// the table with one query, so they are woken only for jobs that are final
// or gone; Revoked watchers, with another, only for new revoke requests.
func (n *notifier) poll() {
	defer n.pollers.Done()
	ctx := n.pollCtx
	conn, version, dv, err := n.openPoll(ctx)
	if err != nil {
		n.Mu.Lock()
		n.polling = false
		n.Mu.Unlock()
		return
	}
	defer conn.Close()
	defer version.Close()
	t := time.NewTimer(n.s.opts.watchInterval)
	defer t.Stop()
	changed := true // check once at start: a change may predate the baseline
	var revokes revokeSeen
	for {
		if changed {
			// A failed check (busy, say) is repeated next tick rather
			// than lost.
			ok := n.onChange(ctx, conn)
			changed = !n.onRevokeChange(ctx, conn, &revokes) || !ok
		}
		wait := n.s.opts.watchInterval
		if time.Now().UnixNano() < n.brisk.Load() {
			wait = min(wait, briskInterval)
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n.Mu.Lock()
		if !n.watchingLocked() || n.Closed {
			n.polling = false
			n.Mu.Unlock()
			return
		}
		n.Mu.Unlock()
		var v int64
		if err := version.QueryRowContext(ctx).Scan(&v); err != nil {
			// A transient error (busy during recovery) is retried next
			// tick; after close the loop ends on ctx.
			continue
		}
		if v != dv {
			changed, dv = true, v
		}
	}
}

// openPoll takes the poller's connection, prepares its PRAGMA once
// rather than on each of its hundreds of ticks a second, and reads the
// baseline data_version.
func (n *notifier) openPoll(ctx context.Context) (*sql.Conn, *sql.Stmt, int64, error) {
	conn, err := n.s.rdb.Conn(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	version, err := conn.PrepareContext(ctx, "PRAGMA data_version")
	if err != nil {
		conn.Close()
		return nil, nil, 0, err
	}
	var dv int64
	if err := version.QueryRowContext(ctx).Scan(&dv); err != nil {
		version.Close()
		conn.Close()
		return nil, nil, 0, err
	}
	return conn, version, dv, nil
}

// onChange reacts to a commit by another connection and reports whether
// it could check the table.
func (n *notifier) onChange(ctx context.Context, conn *sql.Conn) bool {
	n.Mu.Lock()
	n.signalReadyLocked(true, nil)
	n.Mu.Unlock()
	ids := n.fin.IDs()
	if len(ids) == 0 {
		return true
	}
	final, gone, err := finalOrGone(ctx, conn, jsonIDs(ids))
	if err != nil {
		return false
	}
	done := append(final, gone...)
	n.finished(done...)
	return true
}
