package memory

import (
	"container/heap"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// entry is one job plus its position in whichever heap holds it (-1 when
// none), so Delete and Purge can take it out in O(log n), and its position
// in the expiry heap (-1 when not waiting or not expiring).
type entry struct {
	job      store.Job
	index    int
	heap     *jobHeap
	expIndex int
}

// jobHeap orders entries either for claiming (priority, then RunAt, then
// ID) or for promotion of scheduled jobs (RunAt, then ID).
type jobHeap struct {
	items   []*entry
	byRunAt bool
}

func (h *jobHeap) Len() int { return len(h.items) }

func (h *jobHeap) Less(i, j int) bool {
	a, b := &h.items[i].job, &h.items[j].job
	if !h.byRunAt && a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	if !a.RunAt.Equal(b.RunAt) {
		return a.RunAt.Before(b.RunAt)
	}
	return a.ID < b.ID
}

func (h *jobHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index = i
	h.items[j].index = j
}

func (h *jobHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(h.items)
	e.heap = h
	h.items = append(h.items, e)
}

func (h *jobHeap) Pop() any {
	n := len(h.items) - 1
	e := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	e.index = -1
	e.heap = nil
	return e
}

func (h *jobHeap) peek() *entry {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

func (h *jobHeap) add(e *entry) { heap.Push(h, e) }

func (h *jobHeap) pop() *entry { return heap.Pop(h).(*entry) }

// detach removes e from the heap holding it and from the expiry heap.
func (s *core) detach(e *entry) {
	if e.heap != nil {
		heap.Remove(e.heap, e.index)
	}
	s.unexpire(e)
}

// due reports whether the scheduled entry at the top is ready at now.
func (h *jobHeap) due(now time.Time) bool {
	top := h.peek()
	return top != nil && !top.job.RunAt.After(now)
}

// expiryHeap holds the waiting (Queued or Scheduled) entries that have an
// ExpiresAt, soonest first, so Recover finds the expired ones without
// scanning every job.
type expiryHeap []*entry

func (h expiryHeap) Len() int { return len(h) }

func (h expiryHeap) Less(i, j int) bool {
	a, b := &h[i].job, &h[j].job
	if !a.ExpiresAt.Equal(b.ExpiresAt) {
		return a.ExpiresAt.Before(b.ExpiresAt)
	}
	return a.ID < b.ID
}

func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].expIndex = i
	h[j].expIndex = j
}

func (h *expiryHeap) Push(x any) {
	e := x.(*entry)
	e.expIndex = len(*h)
	*h = append(*h, e)
}

func (h *expiryHeap) Pop() any {
	old := *h
	n := len(old) - 1
	e := old[n]
	old[n] = nil
	*h = old[:n]
	e.expIndex = -1
	return e
}

// unexpire takes e out of the expiry heap, if it is there.
func (s *core) unexpire(e *entry) {
	if e.expIndex >= 0 {
		heap.Remove(&s.expiring, e.expIndex)
	}
}
