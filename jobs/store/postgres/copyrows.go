package postgres

import (
	"encoding/binary"
	"io"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// copyRows streams jobs as COPY's binary format, the columns of
// copyColumns in order, each value encoded as pgx encodes it for the
// statement (so both paths store the same bytes). It writes straight
// into the reader's buffer: no value is boxed and nothing is allocated
// per row, which is most of the client's work for a large batch.
type copyRows struct {
	jobs    []*store.Job
	next    int    // the next job to encode
	started bool   // the header is in spill or read
	done    bool   // the trailer is in spill or read
	spill   []byte // bytes due before any further row
}

// copyHeader starts COPY's binary format: the signature, then flags and
// header extension length, both zero. copyTrailer, a field count of -1,
// ends it.
const (
	copyHeader  = "PGCOPY\n\377\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"
	copyTrailer = "\xff\xff"
)

// microsecFromUnixEpochToY2K is 2000-01-01 UTC, the zero of timestamptz.
const microsecFromUnixEpochToY2K = 946_684_800 * 1_000_000

// Read fills p with whole rows where they fit; the header, the trailer
// and a row longer than an empty p go through spill, a part per call.
// It returns io.EOF once all is read.
func (c *copyRows) Read(p []byte) (int, error) {
	if !c.started {
		c.spill, c.started = []byte(copyHeader), true
	}
	n := copy(p, c.spill)
	c.spill = c.spill[n:]
	if len(c.spill) > 0 {
		return n, nil
	}
	for ; c.next < len(c.jobs); c.next++ {
		j := c.jobs[c.next]
		size := copyRowSize(j)
		if size <= len(p)-n {
			appendCopyRow(p[n:n], j)
			n += size
			continue
		}
		if n > 0 {
			return n, nil
		}
		c.spill = appendCopyRow(make([]byte, 0, size), j)
		c.next++
		n = copy(p, c.spill)
		c.spill = c.spill[n:]
		return n, nil
	}
	if !c.done {
		c.done = true
		c.spill = []byte(copyTrailer)
		k := copy(p[n:], c.spill)
		c.spill = c.spill[k:]
		n += k
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// copyFields is the number of copyColumns.
const copyFields = 13

// copyRowSize is the length of j's row: the field count, then each
// field's 4-byte length and bytes (none for NULL).
func copyRowSize(j *store.Job) int {
	const fixed = 2 + copyFields*4 + // count, lengths
		4 + 4 + 4 + 8 + 8 + 8 // priority, attempt, max_attempts, run_at, enqueued_at, retention_ns
	n := fixed + len(j.ID) + len(j.Name) + len(j.Queue) + len(j.Args) + len(stateOrQueued(j.State)) + len(j.Meta)
	if !j.ExpiresAt.IsZero() {
		n += 8
	}
	return n
}

// appendCopyRow appends j's row to b, in copyColumns' order.
func appendCopyRow(b []byte, j *store.Job) []byte {
	b = binary.BigEndian.AppendUint16(b, copyFields)
	b = appendCopyText(b, j.ID)
	b = appendCopyText(b, j.Name)
	b = appendCopyText(b, j.Queue)
	b = appendCopyInt32(b, int32(j.Priority))
	b = appendCopyBytes(b, j.Args)
	b = appendCopyText(b, string(stateOrQueued(j.State)))
	b = appendCopyInt32(b, int32(j.Attempt))
	b = appendCopyInt32(b, int32(j.MaxAttempts))
	b = appendCopyTime(b, j.RunAt)
	b = appendCopyTime(b, j.EnqueuedAt)
	b = appendCopyBytes(b, j.Meta)
	if j.ExpiresAt.IsZero() {
		b = appendCopyNull(b)
	} else {
		b = appendCopyTime(b, j.ExpiresAt)
	}
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(j.Retention))
}

func appendCopyNull(b []byte) []byte { return binary.BigEndian.AppendUint32(b, 0xffffffff) }

func appendCopyText(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// appendCopyBytes appends a bytea; nil is NULL, as pgx sends it.
func appendCopyBytes(b, v []byte) []byte {
	if v == nil {
		return appendCopyNull(b)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

func appendCopyInt32(b []byte, v int32) []byte {
	b = binary.BigEndian.AppendUint32(b, 4)
	return binary.BigEndian.AppendUint32(b, uint32(v))
}

// appendCopyTime appends a timestamptz: microseconds since 2000-01-01
// UTC, rounded down as pgx rounds.
func appendCopyTime(b []byte, t time.Time) []byte {
	us := t.Unix()*1_000_000 + int64(t.Nanosecond())/1000 - microsecFromUnixEpochToY2K
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(us))
}
