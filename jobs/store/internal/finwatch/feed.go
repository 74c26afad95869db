package finwatch

import (
	"slices"

	"github.com/spindlehq/spindle/jobs/store"
)

// Feed is one subscriber's watch over many jobs; it implements
// store.FinishWatch. Its state is guarded by the registry's lock, so a
// fire reaches it in the same critical section that finds its interest.
type Feed struct {
	r  *Registry
	ch chan struct{} // capacity 1: signals coalesce; closed with the registry

	ids     map[string]struct{}   // watched
	fired   map[string]*store.Job // since the last Take; nil job: none carried
	all     bool                  // check every watched job again
	stopped bool
}

var _ store.FinishWatch = (*Feed)(nil)

// C implements store.FinishWatch.
func (f *Feed) C() <-chan struct{} { return f.ch }

// Add implements store.FinishWatch.
func (f *Feed) Add(ids ...string) {
	if len(ids) == 0 {
		return
	}
	r := f.r
	r.mu.Lock()
	if f.stopped {
		r.mu.Unlock()
		return
	}
	added := false
	for _, id := range ids {
		if _, ok := f.ids[id]; ok {
			continue
		}
		f.ids[id] = struct{}{}
		it := r.interestLocked(id)
		it.feeds = append(it.feeds, f)
		added = true
	}
	r.mu.Unlock()
	if added {
		r.notifyWatch()
	}
}

// Remove implements store.FinishWatch.
func (f *Feed) Remove(ids ...string) {
	r := f.r
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		f.forgetLocked(id)
	}
}

// Take implements store.FinishWatch.
func (f *Feed) Take() (map[string]*store.Job, bool) {
	r := f.r
	r.mu.Lock()
	defer r.mu.Unlock()
	fired, all := f.fired, f.all
	if len(fired) == 0 {
		fired = nil // f.fired stays the feed's: the caller must not share it
	} else {
		f.fired = map[string]*store.Job{}
	}
	f.all = false
	return fired, all
}

// Stop implements store.FinishWatch.
func (f *Feed) Stop() {
	r := f.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if f.stopped {
		return
	}
	for id := range f.ids {
		f.forgetLocked(id)
	}
	f.stopped = true
	delete(r.feeds, f)
}

// fire records that job id may be final; a job carried by one signal is
// not forgotten because a later one carried none.
func (f *Feed) fire(id string, j *store.Job) {
	if prev, ok := f.fired[id]; !ok || prev == nil {
		f.fired[id] = j
	}
	f.signal()
}

func (f *Feed) signal() {
	select {
	case f.ch <- struct{}{}:
	default:
	}
}

// forgetLocked stops watching id; the registry's lock is held.
func (f *Feed) forgetLocked(id string) {
	if _, ok := f.ids[id]; !ok {
		return
	}
	delete(f.ids, id)
	delete(f.fired, id)
	r := f.r
	if it := r.ids[id]; it != nil {
		if i := slices.Index(it.feeds, f); i >= 0 {
			it.feeds = slices.Delete(it.feeds, i, i+1)
			r.dropIfEmptyLocked(id, it)
		}
	}
}

// closeLocked ends the feed because the store closed; the registry's
// lock is held.
func (f *Feed) closeLocked() {
	if f.stopped {
		return
	}
	f.stopped = true
	f.all = true
	clear(f.ids)
	close(f.ch)
}
