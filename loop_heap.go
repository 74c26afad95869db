package spindle

// loopTimers is the min-heap of a [Loop]'s calls scheduled for later,
// ordered by time and, for the same instant, by scheduling order. Each call
// records its index so Cancel removes it in O(log n). It is guarded by the
// loop's mutex.
type loopTimers []*Call

func (h loopTimers) before(i, j int) bool {
	a, b := h[i], h[j]
	if a.when.Equal(b.when) {
		return a.seq < b.seq
	}
	return a.when.Before(b.when)
}

func (h loopTimers) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *loopTimers) push(c *Call) {
	c.index = len(*h)
	*h = append(*h, c)
	h.up(c.index)
}

// peek returns the earliest call, or nil.
func (h loopTimers) peek() *Call {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

// remove takes the call at index i out of the heap.
func (h *loopTimers) remove(i int) *Call {
	old := *h
	n := len(old) - 1
	c := old[i]
	if i != n {
		old.swap(i, n)
	}
	old[n] = nil
	*h = old[:n]
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
	c.index = -1
	return c
}

func (h loopTimers) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.before(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

// down sifts i down and reports whether it moved.
func (h loopTimers) down(i int) bool {
	start := i
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.before(r, l) {
			m = r
		}
		if !h.before(m, i) {
			break
		}
		h.swap(i, m)
		i = m
	}
	return i > start
}
