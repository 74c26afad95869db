package spindle

// queuePrioHeap is the storage of a priority [Queue]: a binary min-heap
// ordered by the user's less function, ties broken by insertion order so
// equal priorities come out first in, first out. It is written out rather
// than built on container/heap because that package boxes every element in
// an interface, which would cost an allocation per Put.
type queuePrioHeap[T any] struct {
	items []queuePrioEntry[T]
	less  func(a, b T) bool
	seq   uint64
}

type queuePrioEntry[T any] struct {
	v   T
	seq uint64
}

func (h *queuePrioHeap[T]) len() int { return len(h.items) }

// before reports whether item i must come out before item j.
func (h *queuePrioHeap[T]) before(i, j int) bool {
	a, b := &h.items[i], &h.items[j]
	if h.less(a.v, b.v) {
		return true
	}
	if h.less(b.v, a.v) {
		return false
	}
	return a.seq < b.seq
}

func (h *queuePrioHeap[T]) push(v T) {
	h.items = append(h.items, queuePrioEntry[T]{v: v, seq: h.seq})
	h.seq++
	h.up(len(h.items) - 1)
}

func (h *queuePrioHeap[T]) pop() (T, bool) {
	var zero T
	n := len(h.items) - 1
	if n < 0 {
		return zero, false
	}
	v := h.items[0].v
	h.items[0] = h.items[n]
	h.items[n] = queuePrioEntry[T]{}
	h.items = h.items[:n]
	if n > 0 {
		h.down(0)
	}
	return v, true
}

func (h *queuePrioHeap[T]) clear() {
	clear(h.items)
	h.items = h.items[:0]
}

func (h *queuePrioHeap[T]) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.before(i, parent) {
			return
		}
		h.items[i], h.items[parent] = h.items[parent], h.items[i]
		i = parent
	}
}

func (h *queuePrioHeap[T]) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.before(r, l) {
			m = r
		}
		if !h.before(m, i) {
			return
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
}
