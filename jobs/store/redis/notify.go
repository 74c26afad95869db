package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/finwatch"
	"github.com/spindlehq/spindle/jobs/store/internal/watchset"
)

// Events travel on three pub/sub channels per namespace, published by the
// scripts that cause them, so every process hears of every change at
// once, whoever made it:
//
//	{ns}:ev:r  r<queue>        jobs may have become claimable on queue
//	           s<ms>:<queue>   the earliest Scheduled job of queue is now due at ms
//	{ns}:ev:f  f<len>:<id>...  these jobs reached a final state or were deleted
//	           F               some jobs were purged: every Finished watcher re-checks
//	{ns}:ev:v  v               a revoke was requested for some Running job
//
// Each Store holds at most one subscription connection, opened on the
// first Ready, Finished, WatchFinishes or Revoked call, and subscribes to
// a channel only once it has a watcher of that kind: a producer holds no
// subscription, a worker hears no finished events, a process that only
// awaits hears no ready events. Events are demultiplexed to the watchers in process.
// Whenever a channel's subscription is confirmed (the first time, and
// again after a lost connection), every watcher of that kind is woken,
// because events published before are not delivered: waiters re-check the
// store and miss nothing.
type notifier struct {
	s *core

	watchset.Hub                   // the Ready and Revoked watchers, and Mu, the notifier's lock
	started      bool              // the loop runs
	want         map[string]bool   // channels with watchers
	ps           *goredis.PubSub   // the current subscription, nil between attempts
	fin          finwatch.Registry // Finished and WatchFinishes

	// due holds, per watched queue, the earliest RunAt (Unix ms) of a
	// Scheduled job this process heard of (from an event or a claim);
	// dueTimer fires at the least of them, dueAt, and wakes the queue's
	// Ready watchers, so a worker claims a delayed or retried job when it
	// falls due instead of at its next poll.
	due      map[string]int64
	dueTimer *time.Timer
	dueAt    int64 // 0: dueTimer is not armed

	stop chan struct{} // closed by close
	done chan struct{} // closed when the loop returns
}

// healthInterval is how long the subscription may stay silent before a
// PING checks it; a PING unanswered for as long again means the
// connection is dead (a peer gone without a reset) and it is replaced.
const healthInterval = time.Second

// reconnect backoff bounds: retry at once-ish, never slower than this.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = 250 * time.Millisecond
)

func newNotifier(s *core) *notifier {
	return &notifier{
		s:    s,
		want: map[string]bool{},
		due:  map[string]int64{},
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
}

// ensureLocked subscribes to channel if nothing has yet, starting the
// loop on first use; n.Mu is held. Watchers registered before the
// subscription is confirmed are woken by the confirmation.
func (n *notifier) ensureLocked(channel string) {
	if n.want[channel] || n.Closed {
		return
	}
	n.want[channel] = true
	if !n.started {
		n.started = true
		go n.loop()
		return
	}
	if ps := n.ps; ps != nil {
		// The loop's receive picks up the confirmation; if this fails,
		// so does the connection, and the loop resubscribes everything.
		go func() { _ = ps.Subscribe(context.Background(), channel) }()
	}
}

func (n *notifier) loop() {
	defer close(n.done)
	backoff := minBackoff
	for {
		n.Mu.Lock()
		if n.Closed {
			n.Mu.Unlock()
			return
		}
		channels := make([]string, 0, len(n.want))
		for ch := range n.want {
			channels = append(channels, ch)
		}
		n.Mu.Unlock()
		ps := n.s.rdb.Subscribe(context.Background(), channels...)
		n.Mu.Lock()
		if n.Closed {
			n.Mu.Unlock()
			ps.Close()
			return
		}
		n.ps = ps
		var missed []string // wanted while Subscribe ran
		for ch := range n.want {
			if !slices.Contains(channels, ch) {
				missed = append(missed, ch)
			}
		}
		n.Mu.Unlock()
		if len(missed) > 0 {
			_ = ps.Subscribe(context.Background(), missed...)
		}

		if n.receive(ps) {
			backoff = minBackoff
		}

		n.Mu.Lock()
		n.ps = nil
		closed := n.Closed
		n.Mu.Unlock()
		ps.Close()
		if closed {
			return
		}
		t := time.NewTimer(backoff)
		select {
		case <-n.stop:
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// receive reads events until the subscription fails, and reports whether
// it was established at all.
func (n *notifier) receive(ps *goredis.PubSub) (established bool) {
	ctx := context.Background()
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, healthInterval)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !pinged {
				if ps.Ping(ctx) == nil {
					pinged = true
					continue
				}
			}
			return established
		}
		pinged = false
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				established = true
				n.wake(m.Channel)
			}
		case *goredis.Message:
			n.dispatch(m.Payload)
		}
	}
}

// wake wakes every watcher of the kind channel carries: events may have
// been missed before its subscription was confirmed.
func (n *notifier) wake(channel string) {
	n.Mu.Lock()
	defer n.Mu.Unlock()
	switch channel {
	case n.s.k.evReady:
		n.Ready.SignalAll()
	case n.s.k.evRevoked:
		n.Revoked.Signal()
	case n.s.k.evFinished:
		n.fin.FireAll()
	}
}

// dispatch delivers one event.
func (n *notifier) dispatch(p string) {
	if p == "" {
		return
	}
	switch p[0] {
	case 'r':
		n.ready([]string{p[1:]})
	case 's':
		if at, q, ok := strings.Cut(p[1:], ":"); ok {
			n.scheduled(q, at)
		}
	case 'f':
		ids, err := parseIDs(p[1:])
		if err == nil {
			n.finished(ids)
		} else {
			n.finishedAll()
		}
	case 'F':
		n.finishedAll()
	case 'v':
		n.revoked()
	}
}

// parseIDs decodes "<len>:<id>" repeated.
func parseIDs(s string) ([]string, error) {
	var ids []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != ':' {
			i++
		}
		l, err := strconv.Atoi(s[:i])
		if err != nil || i == len(s) || l < 0 || i+1+l > len(s) {
			return nil, fmt.Errorf("malformed finished event %q", s)
		}
		ids = append(ids, s[i+1:i+1+l])
		s = s[i+1+l:]
	}
	return ids, nil
}

// Ready returns a channel that receives a value (coalesced: at most one
// is buffered) whenever jobs may have become claimable on one of queues,
// or on any queue when queues is empty: when a job is inserted into an
// empty ready set, retried, given back, recovered, woken or retried by
// the inspector, or its queue resumed, by any process, pushed by Redis
// pub/sub; and whenever the subscription is re-established after a lost
// connection. Signals can be spurious; a worker answers one by calling
// Claim. Jobs scheduled for later (delays, ETAs, retry backoff) are
// signalled when they fall due, without polling Redis: the process keeps,
// per watched queue, the earliest RunAt in the queue's sched set, learnt
// from every Claim's reply and from an event published whenever a job
// becomes the earliest, and a timer wakes the queue's watchers at that
// time (by this machine's clock).
//
// Each call registers a watcher that lives until stop (idempotent) or
// Close, so call it once per worker, not once per wait. Close closes the channel. Safe for
// concurrent use.
func (s *Store) Ready(queues []string) (ch <-chan struct{}, stop func()) {
	n := s.notify
	return n.AddReady(queues, func() { n.ensureLocked(n.s.k.evReady) })
}

// Finished returns a channel that is closed once job id may have reached
// a final state (or been deleted), and a stop func that releases the
// watcher; call stop when done waiting, whether or not ch was closed. The
// caller confirms with Get: register first, then Get, then wait on ch, so
// a finish between the two is never missed. A finish in any process
// closes ch within one pub/sub delivery; a lost and re-established
// subscription closes every such channel. Close closes them all. Safe for
// concurrent use; stop is idempotent.
func (s *Store) Finished(id string) (ch <-chan struct{}, stop func()) {
	n := s.notify
	n.Mu.Lock()
	defer n.Mu.Unlock()
	if n.Closed {
		return watchset.Closed(), func() {}
	}
	n.ensureLocked(n.s.k.evFinished)
	ch, _, stop = n.fin.Watch(id)
	return ch, stop
}

// WatchFinishes returns one watch over the finishes of many jobs
// (store.FinishWatch), fed by the same subscription as Finished: a
// finish in any process is reported within one pub/sub delivery, and a
// re-established subscription or a purge reports all. Close closes it.
// Safe for concurrent use.
func (s *Store) WatchFinishes() store.FinishWatch {
	n := s.notify
	n.Mu.Lock()
	defer n.Mu.Unlock()
	if !n.Closed {
		n.ensureLocked(n.s.k.evFinished)
	}
	return n.fin.Feed()
}

// Revoked returns a channel that receives a value, coalesced, whenever a
// revoke was requested for some Running job in any process, and whenever
// the subscription is re-established. Each call registers a watcher that
// lives until stop (idempotent) or Close, which closes the channel. Safe
// for concurrent use.
func (s *Store) Revoked() (ch <-chan struct{}, stop func()) {
	n := s.notify
	return n.AddRevoked(func() { n.ensureLocked(n.s.k.evRevoked) })
}

// ready signals the Ready watchers of queues.
func (n *notifier) ready(queues []string) {
	if len(queues) == 0 {
		return
	}
	n.Mu.Lock()
	defer n.Mu.Unlock()
	n.readyLocked(queues)
}

func (n *notifier) readyLocked(queues []string) { n.Ready.Signal(queues...) }

// scheduled notes that the earliest Scheduled job of queue q falls due at
// at (Unix milliseconds, as the scripts report it), and arms the timer
// that wakes q's Ready watchers then. Only queues a watcher of this
// process waits for are kept; a time that turns out stale (the job was
// deleted, woken or claimed) costs one spurious signal.
func (n *notifier) scheduled(q, at string) {
	f, err := strconv.ParseFloat(at, 64)
	if err != nil {
		return
	}
	ms := int64(f)
	n.Mu.Lock()
	defer n.Mu.Unlock()
	if n.Closed || !n.Ready.Watches(q) {
		return
	}
	if cur, ok := n.due[q]; ok && cur <= ms {
		return
	}
	n.due[q] = ms
	if n.dueAt == 0 || ms < n.dueAt {
		n.armLocked(ms)
	}
}

func (n *notifier) armLocked(ms int64) {
	n.dueAt = ms
	d := time.Until(time.UnixMilli(ms))
	if n.dueTimer == nil {
		n.dueTimer = time.AfterFunc(d, n.fireDue)
	} else {
		n.dueTimer.Reset(d)
	}
}

// fireDue wakes the Ready watchers of the queues whose earliest Scheduled
// job is due and re-arms the timer for the next.
func (n *notifier) fireDue() {
	n.Mu.Lock()
	defer n.Mu.Unlock()
	if n.Closed {
		return
	}
	now := time.Now().UnixMilli()
	var queues []string
	next := int64(0)
	for q, ms := range n.due {
		if ms <= now {
			queues = append(queues, q)
			delete(n.due, q)
		} else if next == 0 || ms < next {
			next = ms
		}
	}
	n.dueAt = 0
	if next != 0 {
		n.armLocked(next)
	}
	n.readyLocked(queues)
}

// finished wakes the watchers of ids.
func (n *notifier) finished(ids []string) { n.fin.Fire(ids...) }

// finishedAll wakes every Finished watcher.
func (n *notifier) finishedAll() { n.fin.FireAll() }

// revoked signals every Revoked watcher.
func (n *notifier) revoked() {
	n.Mu.Lock()
	defer n.Mu.Unlock()
	n.Revoked.Signal()
}

// close stops the subscription, waits for the loop, and closes every
// watcher's channel so waiters wake up.
func (n *notifier) close() {
	n.Mu.Lock()
	if n.Closed {
		n.Mu.Unlock()
		return
	}
	n.Closed = true
	close(n.stop)
	if n.dueTimer != nil {
		n.dueTimer.Stop()
	}
	if n.ps != nil {
		n.ps.Close() // ends a blocked receive
	}
	started := n.started
	n.Mu.Unlock()
	if started {
		<-n.done
	}
	n.Mu.Lock()
	defer n.Mu.Unlock()
	n.Ready.Close()
	n.Revoked.Close()
	n.fin.Close()
}
