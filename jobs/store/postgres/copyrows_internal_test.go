package postgres

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/spindlehq/spindle/jobs/store"
)

// CopyEdgeJobs returns new jobs whose values test the edges of each
// encoding: empty and nil bytes, negative numbers, times before 2000 and
// with nanoseconds, a Scheduled job, a row longer than a reader's buffer
// (and than a COPY message). The external tests use them too.
func CopyEdgeJobs() []*store.Job {
	t := time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)
	return []*store.Job{
		{ID: "a", Name: "n", Queue: "q", Args: []byte(`{"n":1}`), MaxAttempts: 1, RunAt: t, EnqueuedAt: t},
		{ID: "b", Name: "ñame", Queue: "queue ü", Priority: -3, Args: []byte{}, Meta: []byte{0, 1, 2}, State: store.Scheduled,
			Attempt: 2, MaxAttempts: 1 << 30, RunAt: t.Add(time.Hour), EnqueuedAt: time.Date(1999, 12, 31, 23, 59, 59, 999, time.FixedZone("x", 3600)),
			ExpiresAt: t.Add(-time.Nanosecond), Retention: 1<<62 + 1},
		{ID: "c", Name: "big", Queue: "q", Args: bytes.Repeat([]byte("x"), 70000), MaxAttempts: 3, RunAt: time.Time{}, EnqueuedAt: t, Retention: time.Minute},
	}
}

// pgxRow is j's row as pgx encodes copyColumns' values for COPY: what
// copyRows must send, byte for byte.
func pgxRow(t *testing.T, j *store.Job) []byte {
	t.Helper()
	m := pgtype.NewMap()
	vals := []struct {
		oid uint32
		v   any
	}{
		{pgtype.TextOID, j.ID}, {pgtype.TextOID, j.Name}, {pgtype.TextOID, j.Queue}, {pgtype.Int4OID, int32(j.Priority)},
		{pgtype.ByteaOID, j.Args}, {pgtype.TextOID, string(stateOrQueued(j.State))}, {pgtype.Int4OID, int32(j.Attempt)},
		{pgtype.Int4OID, int32(j.MaxAttempts)}, {pgtype.TimestamptzOID, j.RunAt}, {pgtype.TimestamptzOID, j.EnqueuedAt},
		{pgtype.ByteaOID, j.Meta}, {pgtype.TimestamptzOID, ts(j.ExpiresAt)}, {pgtype.Int8OID, int64(j.Retention)},
	}
	if len(vals) != copyFields || len(vals) != len(strings.Split(copyColumns, ",")) {
		t.Fatalf("%d values, %d fields, columns %s", len(vals), copyFields, copyColumns)
	}
	row := binary.BigEndian.AppendUint16(nil, copyFields)
	for _, v := range vals {
		// As pgx's CopyFrom: a length of -1 (NULL) that the value's
		// encoding, if it appends anything or nothing, replaces.
		at := len(row)
		row = binary.BigEndian.AppendUint32(row, 0xffffffff)
		enc, err := m.Encode(v.oid, pgtype.BinaryFormatCode, v.v, row)
		if err != nil {
			t.Fatal(err)
		}
		if enc != nil {
			row = enc
			binary.BigEndian.PutUint32(row[at:], uint32(len(row)-at-4))
		}
	}
	return row
}

func TestCopyRowMatchesPgx(t *testing.T) {
	for _, j := range CopyEdgeJobs() {
		want := pgxRow(t, j)
		got := appendCopyRow(nil, j)
		if !bytes.Equal(got, want) {
			t.Errorf("job %s: row\n%x\nwant (pgx)\n%x", j.ID, got, want)
		}
		if n := copyRowSize(j); n != len(got) {
			t.Errorf("job %s: copyRowSize %d, row is %d bytes", j.ID, n, len(got))
		}
	}
}

// Whatever the reader's buffer size, copyRows sends the header, every
// row whole and in order, and the trailer, then io.EOF.
func TestCopyRowsReadsWholeStream(t *testing.T) {
	jobs := CopyEdgeJobs()
	want := []byte(copyHeader)
	for _, j := range jobs {
		want = appendCopyRow(want, j)
	}
	want = append(want, copyTrailer...)
	for _, size := range []int{1, 2, 3, 19, 100, 4096, 65531, 1 << 20} {
		r := &copyRows{jobs: jobs}
		var got []byte
		buf := make([]byte, size)
		for reads := 0; ; reads++ {
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if errors.Is(err, io.EOF) {
				if n != 0 {
					t.Fatalf("size %d: io.EOF with %d bytes", size, n)
				}
				break
			}
			if err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
			if n == 0 || reads > len(want) {
				t.Fatalf("size %d: read %d bytes (read %d)", size, n, reads)
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("size %d: stream of %d bytes differs from the %d expected", size, len(got), len(want))
		}
	}
	// No jobs: header and trailer only.
	got, err := io.ReadAll(&copyRows{})
	if err != nil || string(got) != copyHeader+copyTrailer {
		t.Fatalf("empty stream %q, %v", got, err)
	}
}
