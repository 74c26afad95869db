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
	ms := uint64(now.UnixMilli())
	g.mu.Lock()
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
	g.mu.Unlock()
	return encodeULID(b)
}

func encodeULID(b [16]byte) string {
	var out [26]byte
	// 128 bits in 26 characters of 5 bits: the first carries 3 bits.
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
