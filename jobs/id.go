package jobs

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// jobIDs makes job IDs: 26 characters of Crockford base32 holding a
// millisecond timestamp and 80 random bits (the ULID layout). Within one
// process IDs strictly increase, so ID order is enqueue order, which the
// store uses to break ties.
type jobIDs struct {
	mu   sync.Mutex
	ms   uint64
	rand [10]byte
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func (g *jobIDs) next(now time.Time) string {
	g.mu.Lock()
	b := g.advanceLocked(uint64(now.UnixMilli()))
	g.mu.Unlock()
	return encodeULID(b)
}

// nextN returns n IDs for jobs enqueued together at now, in increasing
// order, as n calls of next would. Every idChunk of them share a backing
// string: a batch costs a few allocations rather than one per job, and
// an ID kept after its batch keeps at most idChunk IDs' bytes alive.
func (g *jobIDs) nextN(now time.Time, n int) []string {
	ids := make([]string, n)
	ms := uint64(now.UnixMilli())
	var buf [26 * idChunk]byte
	for start := 0; start < n; start += idChunk {
		k := min(idChunk, n-start)
		g.mu.Lock()
		for i := range k {
			putULID((*[26]byte)(buf[26*i:]), g.advanceLocked(ms))
		}
		g.mu.Unlock()
		all := string(buf[:26*k])
		for i := range k {
			ids[start+i] = all[26*i : 26*(i+1)]
		}
	}
	return ids
}

// idChunk is how many IDs of a batch share one string.
const idChunk = 64

// advanceLocked returns the next ID's 128 bits for a job enqueued at
// millisecond ms. The caller holds g.mu.
func (g *jobIDs) advanceLocked(ms uint64) [16]byte {
	if ms <= g.ms {
		// Same (or an earlier) millisecond: count up from the last ID.
		ms = g.ms
		for i := len(g.rand) - 1; i >= 0; i-- {
			g.rand[i]++
			if g.rand[i] != 0 {
				break
			}
		}
	} else {
		g.ms = ms
		_, _ = rand.Read(g.rand[:])
		g.rand[0] &= 0x7f // room to count up without wrapping
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], ms<<16)
	copy(b[6:], g.rand[:])
	return b
}

func encodeULID(b [16]byte) string {
	var out [26]byte
	putULID(&out, b)
	return string(out[:])
}

// putULID writes the 26 characters of b to out.
func putULID(out *[26]byte, b [16]byte) {
	// 128 bits in 26 characters of 5 bits: the first carries 3 bits.
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
}
