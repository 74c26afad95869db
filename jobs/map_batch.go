package jobs

import "encoding/json"

// The allocations of a Map that would otherwise be one or more per job
// are made a chunk at a time. A chunk stays alive while any of its
// values does, so chunks are small enough that a kept ID or handle holds
// little beyond itself.

// argArena encodes the arguments of a batch one after another into
// shared buffers of arenaChunk bytes. It is used by one goroutine.
type argArena struct {
	enc    *json.Encoder
	cur    []byte // the current buffer; its spare capacity takes the next value
	last   []byte // what the latest Write appended
	writes int
}

const arenaChunk = 32 << 10

// Write appends p to the current buffer, or to a new one when it does
// not fit; the encoder calls it once per value.
func (a *argArena) Write(p []byte) (int, error) {
	if cap(a.cur)-len(a.cur) < len(p) {
		a.cur = make([]byte, 0, max(arenaChunk, len(p)))
	}
	start := len(a.cur)
	a.cur = append(a.cur, p...)
	a.last = a.cur[start:len(a.cur):len(a.cur)]
	a.writes++
	return len(p), nil
}

// encode returns v as json.Marshal does. The bytes are the caller's but
// share their buffer with other values, so they must not be appended to
// in place (their capacity ends with them, so append copies).
func (a *argArena) encode(v any) ([]byte, error) {
	if a.enc == nil {
		a.enc = json.NewEncoder(a)
	}
	a.writes = 0
	if err := a.enc.Encode(v); err != nil {
		return nil, err
	}
	if a.writes != 1 || len(a.last) == 0 || a.last[len(a.last)-1] != '\n' {
		// Not the one write of the value and its newline that Encode
		// makes today: take no chance on what was written.
		return json.Marshal(v)
	}
	n := len(a.last) - 1
	return a.last[:n:n], nil
}

// handleChunk is how many handles of a batch share one allocation.
const handleChunk = 64

// newHandles returns a handle for each of ids, as newHandle does.
func newHandles[R any](c *Client, ids []string) []*Handle[R] {
	hs := make([]*Handle[R], len(ids))
	var slab []Handle[R]
	for i, id := range ids {
		if len(slab) == 0 {
			slab = make([]Handle[R], min(handleChunk, len(ids)-i))
		}
		h := &slab[0]
		slab = slab[1:]
		*h = Handle[R]{c: c, id: id, out: newSettled[handleOut[R]]()}
		hs[i] = h
	}
	return hs
}
