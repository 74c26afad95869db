package jobs

import (
	"container/heap"
	"time"
)

// sweepHeap orders the waits read once by when the sweep must read them
// again. Its methods are called with waits.mu held.
type sweepHeap []*waitEntry

func (h sweepHeap) Len() int           { return len(h) }
func (h sweepHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h sweepHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *sweepHeap) Push(x any) {
	e := x.(*waitEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *sweepHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}

// set places e by its due time.
func (h *sweepHeap) set(e *waitEntry) {
	if e.index >= 0 {
		heap.Fix(h, e.index)
		return
	}
	heap.Push(h, e)
}

// remove takes e out, if it is in.
func (h *sweepHeap) remove(e *waitEntry) {
	if e.index >= 0 {
		heap.Remove(h, e.index)
	}
}

// next is the earliest due time.
func (h sweepHeap) next() (time.Time, bool) {
	if len(h) == 0 {
		return time.Time{}, false
	}
	return h[0].due, true
}

// popDue takes out the waits to read now. Nothing is read before the
// earliest wait is due; then the sweep also takes the waits due within
// their slack, so that waits begun at different times are read together
// rather than each on its own: where the store pushes, the sweep is a
// safety net and takes every wait due within a whole period (one read
// per Polling.Sweep, however the waits began); where it cannot, half a
// period, which keeps each wait near Huey's schedule.
func (h *sweepHeap) popDue(now time.Time, push bool) []*waitEntry {
	if len(*h) == 0 || (*h)[0].due.After(now) {
		return nil
	}
	var out []*waitEntry
	for len(*h) > 0 {
		e := (*h)[0]
		slack := e.delay / 2
		if push {
			slack = e.delay
		}
		if e.due.After(now.Add(slack)) {
			break
		}
		heap.Pop(h)
		out = append(out, e)
	}
	return out
}
