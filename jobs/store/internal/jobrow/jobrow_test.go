package jobrow

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

// instant reads a test instant: seconds after t0, 0 for unset.
func instant(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return t0.Add(time.Duration(s) * time.Second)
}

// row returns a Scan func that fills the destinations with vals, in order.
func row(vals ...any) func(dest ...any) error {
	return func(dest ...any) error {
		if len(dest) != len(vals) {
			return errors.New("column count differs")
		}
		for i, v := range vals {
			reflect.ValueOf(dest[i]).Elem().Set(reflect.ValueOf(v))
		}
		return nil
	}
}

func TestScanConvertsEveryColumn(t *testing.T) {
	scan := row("id", "name", "q", int32(5), []byte(`{"a":1}`), "running", int32(2), int32(3),
		int64(1), int64(2), int64(3), int64(0), "w1", int64(4),
		[]byte("r"), "oops", []byte(`[{"attempt":1,"error":"e1"}]`), int64(5), "u", []byte(`{}`),
		int64(6), int64(7), "why", int64(8))
	j, err := Scan[int32, int64, []byte](scan, instant)
	if err != nil {
		t.Fatal(err)
	}
	want := &store.Job{ID: "id", Name: "name", Queue: "q", Priority: 5, Args: []byte(`{"a":1}`), State: store.Running,
		Attempt: 2, MaxAttempts: 3, RunAt: instant(1), EnqueuedAt: instant(2), StartedAt: instant(3),
		LeaseOwner: "w1", LeaseUntil: instant(4), Result: []byte("r"), LastError: "oops",
		Errors:      []store.AttemptError{{Attempt: 1, Error: "e1"}},
		RetainUntil: instant(5), UniqueKey: "u", Meta: []byte(`{}`), ExpiresAt: instant(6), Retention: 7, Revoke: "why", UniqueUntil: instant(8)}
	if !reflect.DeepEqual(j, want) {
		t.Fatalf("Scan =\n%+v\nwant\n%+v", j, want)
	}
}

func TestScanErrors(t *testing.T) {
	boom := errors.New("boom")
	if _, err := Scan[int64, int64, string](func(...any) error { return boom }, instant); err != boom {
		t.Fatalf("Scan of a failing row = %v; want the row's error as it is", err)
	}
	bad := row("id", "n", "q", int64(0), []byte(nil), "dead", int64(1), int64(1),
		int64(0), int64(0), int64(0), int64(0), "", int64(0),
		[]byte(nil), "", "not json", int64(0), "", []byte(nil),
		int64(0), int64(0), "", int64(0))
	if _, err := Scan[int64, int64, string](bad, instant); err == nil {
		t.Fatal("Scan of a corrupt error history succeeded")
	}
}

// rows serves the same row n times, then err.
type rows struct {
	n    int
	err  error
	scan func(dest ...any) error
}

func (r *rows) Next() bool             { r.n--; return r.n >= 0 }
func (r *rows) Scan(dest ...any) error { return r.scan(dest...) }
func (r *rows) Err() error             { return r.err }

func TestAllAppendsAndReportsTheRowsError(t *testing.T) {
	one := row("id", "n", "q", int64(0), []byte(nil), "queued", int64(0), int64(1),
		int64(0), int64(0), int64(0), int64(0), "", int64(0),
		[]byte(nil), "", "", int64(0), "", []byte(nil),
		int64(0), int64(0), "", int64(0))
	prior := []*store.Job{{ID: "prior"}}
	got, err := All[int64, int64, string](&rows{n: 2, scan: one}, prior, instant)
	if err != nil || len(got) != 3 || got[0].ID != "prior" || got[2].ID != "id" {
		t.Fatalf("All = %d jobs, %v; want the prior job and two read", len(got), err)
	}
	boom := errors.New("connection lost")
	if got, err := All[int64, int64, string](&rows{n: 1, scan: one, err: boom}, nil, instant); err != boom || len(got) != 1 {
		t.Fatalf("All with a failing iteration = %d jobs, %v; want the job read and the error", len(got), err)
	}
	if got, err := All[int64, int64, string](&rows{n: 3, scan: func(...any) error { return boom }}, nil, instant); err != boom || len(got) != 0 {
		t.Fatalf("All with a failing scan = %d jobs, %v; want none and the error", len(got), err)
	}
}
