package spindle

// concRing is a FIFO of units pulled but not started. With a limit it never
// holds more than 4*limit items, so it stops growing after warm-up and costs
// no allocation per unit.
type concRing[E any] struct {
	buf  []E // len is zero or a power of two
	head int
	n    int
}

func (q *concRing[E]) push(e E) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = e
	q.n++
}

func (q *concRing[E]) pop() (e E, ok bool) {
	if q.n == 0 {
		return e, false
	}
	var zero E
	e, q.buf[q.head] = q.buf[q.head], zero
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	return e, true
}

func (q *concRing[E]) clear() {
	clear(q.buf)
	q.head, q.n = 0, 0
}

func (q *concRing[E]) grow() {
	buf := make([]E, max(8, 2*len(q.buf)))
	for i := range q.n {
		buf[i] = q.buf[(q.head+i)&(len(q.buf)-1)]
	}
	q.buf, q.head = buf, 0
}

// concWindow is the reorder buffer of ConcurrentOrdered: results indexed by
// source position, released in order from next. Every index it holds is
// below next+4*limit (a unit is admitted only while fewer than 4*limit are
// admitted and not yielded, and units are admitted in source order), so it
// holds fewer than 4*limit entries and stops growing after warm-up.
type concWindow[T any] struct {
	buf  []concResult[T] // len is zero or a power of two
	full []bool
	next int // source position of the next result to yield
}

func (w *concWindow[T]) put(r concResult[T]) {
	for r.idx-w.next >= len(w.buf) {
		w.grow()
	}
	i := r.idx & (len(w.buf) - 1)
	w.buf[i], w.full[i] = r, true
}

// pop returns the result at next, if it has arrived.
func (w *concWindow[T]) pop() (r concResult[T], ok bool) {
	if len(w.buf) == 0 {
		return r, false
	}
	i := w.next & (len(w.buf) - 1)
	if !w.full[i] {
		return r, false
	}
	var zero concResult[T]
	r, w.buf[i], w.full[i] = w.buf[i], zero, false
	w.next++
	return r, true
}

func (w *concWindow[T]) grow() {
	n := max(8, 2*len(w.buf))
	buf, full := make([]concResult[T], n), make([]bool, n)
	for i := range w.buf {
		if w.full[i] {
			j := w.buf[i].idx & (n - 1)
			buf[j], full[j] = w.buf[i], true
		}
	}
	w.buf, w.full = buf, full
}
