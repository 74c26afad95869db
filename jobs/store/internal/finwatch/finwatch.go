// Package finwatch keeps a store's watchers of jobs that reach a final
// state, once for every store: one-shot watches of one job
// (store.Notifier.Finished, store.FinalNotifier) and feeds over many
// (store.FinishWatch). A store says what it heard (Fire, FireJob,
// FireAll) and the registry tells the watchers concerned; how the store
// hears of finishes (its own commits, pub/sub, LISTEN, a poll) stays the
// store's.
//
// The registry takes its own lock and calls out of the package only
// through OnWatch, without that lock held, so a store may call it with
// its own locks held.
package finwatch

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/spindlehq/spindle/jobs/store"
)

// Registry is the set of watchers of one store. The zero value is ready
// to use; it must not be copied after first use. Safe for concurrent use.
type Registry struct {
	// OnWatch, when set before first use, is called after a watch was
	// added, without the registry's lock held: a store that hears of
	// other processes' finishes by polling starts its poller there.
	OnWatch func()

	watched atomic.Int64 // len(ids), read without the lock on hot paths

	mu     sync.Mutex
	closed bool
	ids    map[string]*interest
	feeds  map[*Feed]struct{}
}

// interest is who watches one job.
type interest struct {
	shots []*shot
	feeds []*Feed
}

func (it *interest) empty() bool { return len(it.shots) == 0 && len(it.feeds) == 0 }

// shot is a one-shot watch of one job: its channel is closed once.
type shot struct {
	ch   chan struct{}
	done bool       // ch closed
	job  *store.Job // what the closing signal carried
}

// closedCh answers watches made after Close at once.
var closedCh = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Watch is a one-shot watch of job id (store.Notifier.Finished and
// store.FinalNotifier.FinishedJob): ch is closed once the job may be
// final, job then returns what the signal carried (nil: nothing), and
// stop, idempotent, forgets the watch. After Close, ch is closed already.
func (r *Registry) Watch(id string) (ch <-chan struct{}, job func() *store.Job, stop func()) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return closedCh, func() *store.Job { return nil }, func() {}
	}
	s := &shot{ch: make(chan struct{})}
	it := r.interestLocked(id)
	it.shots = append(it.shots, s)
	r.mu.Unlock()
	r.notifyWatch()
	job = func() *store.Job {
		r.mu.Lock()
		defer r.mu.Unlock()
		return s.job
	}
	return s.ch, job, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if it := r.ids[id]; it != nil {
			if i := slices.Index(it.shots, s); i >= 0 {
				it.shots = slices.Delete(it.shots, i, i+1)
				r.dropIfEmptyLocked(id, it)
			}
		}
	}
}

// Feed opens a watch over many jobs, watching none yet. After Close it
// is closed already: its channel is closed and Take reports all.
func (r *Registry) Feed() *Feed {
	f := &Feed{r: r, ch: make(chan struct{}, 1), ids: map[string]struct{}{}, fired: map[string]*store.Job{}}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		f.closeLocked()
		return f
	}
	if r.feeds == nil {
		r.feeds = map[*Feed]struct{}{}
	}
	r.feeds[f] = struct{}{}
	return f
}

// Fire tells the watchers of ids that those jobs may be final (or gone),
// with nothing carried.
func (r *Registry) Fire(ids ...string) {
	if len(ids) == 0 || r.watched.Load() == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		r.fireLocked(id, nil)
	}
}

// FireJob tells the watchers of job id that it may be final, handing
// them j when not nil (the final job, which they share).
func (r *Registry) FireJob(id string, j *store.Job) {
	if r.watched.Load() == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fireLocked(id, j)
}

// FireAll tells every watcher to check again: the store cannot say
// which jobs changed.
func (r *Registry) FireAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, it := range r.ids {
		r.fireShotsLocked(it)
		r.dropIfEmptyLocked(id, it)
	}
	for f := range r.feeds {
		f.all = true
		f.signal()
	}
}

// Close wakes every watcher for the last time: one-shot watches are
// closed, feeds are closed with all set, and later watches start closed.
// It is idempotent.
func (r *Registry) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	for _, it := range r.ids {
		r.fireShotsLocked(it)
	}
	clear(r.ids)
	r.watched.Store(0)
	for f := range r.feeds {
		f.closeLocked()
	}
	clear(r.feeds)
}

// Wants reports whether anyone watches job id, so a store decodes or
// copies a job to carry only when someone takes it.
func (r *Registry) Wants(id string) bool {
	if r.watched.Load() == 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[id] != nil
}

// Watching reports whether any job is watched.
func (r *Registry) Watching() bool { return r.watched.Load() > 0 }

// IDs returns the watched jobs, for a store that checks them itself.
func (r *Registry) IDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, 0, len(r.ids))
	for id := range r.ids {
		ids = append(ids, id)
	}
	return ids
}

// Watches counts one-shot watches and feeds' watched jobs (tests).
func (r *Registry) Watches() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, it := range r.ids {
		n += len(it.shots) + len(it.feeds)
	}
	return n
}

func (r *Registry) interestLocked(id string) *interest {
	it := r.ids[id]
	if it == nil {
		if r.ids == nil {
			r.ids = map[string]*interest{}
		}
		it = &interest{}
		r.ids[id] = it
		r.watched.Add(1)
	}
	return it
}

func (r *Registry) dropIfEmptyLocked(id string, it *interest) {
	if it.empty() && r.ids[id] == it {
		delete(r.ids, id)
		r.watched.Add(-1)
	}
}

func (r *Registry) notifyWatch() {
	if r.OnWatch != nil {
		r.OnWatch()
	}
}

// fireLocked wakes the watchers of id. One-shot watches end; feeds keep
// watching, since a signal only says the job may be final.
func (r *Registry) fireLocked(id string, j *store.Job) {
	it := r.ids[id]
	if it == nil {
		return
	}
	for _, s := range it.shots {
		if !s.done {
			s.done, s.job = true, j
			close(s.ch)
		}
	}
	it.shots = nil
	for _, f := range it.feeds {
		f.fire(id, j)
	}
	r.dropIfEmptyLocked(id, it)
}

func (r *Registry) fireShotsLocked(it *interest) {
	for _, s := range it.shots {
		if !s.done {
			s.done = true
			close(s.ch)
		}
	}
	it.shots = nil
}
