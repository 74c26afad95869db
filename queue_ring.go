package spindle

// queueRing is a growable FIFO ring buffer. Its capacity is a power of two
// so indexing is a mask, and popped slots are zeroed so the ring never keeps
// a value alive after handing it out. It is not safe for concurrent use; its
// owner guards it. Once grown to its working size it no longer allocates.
type queueRing[T any] struct {
	buf  []T
	head int
	n    int
}

func (r *queueRing[T]) len() int { return r.n }

func (r *queueRing[T]) push(v T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

func (r *queueRing[T]) pop() (T, bool) {
	var zero T
	if r.n == 0 {
		return zero, false
	}
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return v, true
}

// clear drops every element, keeping the buffer for reuse.
func (r *queueRing[T]) clear() {
	clear(r.buf)
	r.head, r.n = 0, 0
}

func (r *queueRing[T]) grow() {
	size := 2 * len(r.buf)
	if size == 0 {
		size = 8
	}
	buf := make([]T, size)
	// Copy in order so the new ring starts at index 0.
	k := copy(buf, r.buf[r.head:])
	copy(buf[k:], r.buf[:r.head])
	r.buf, r.head = buf, 0
}
