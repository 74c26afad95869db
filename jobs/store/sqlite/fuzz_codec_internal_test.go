package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
)

// FuzzTimeCodec: every stored integer reads back as the instant it
// encodes, and every instant is stored as the nearest one int64
// nanoseconds hold.
func FuzzTimeCodec(f *testing.F) {
	for _, n := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64, time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC).UnixNano()} {
		f.Add(n, n/1e9, n%1e9)
	}
	f.Fuzz(func(t *testing.T, n, sec, nsec int64) {
		if got := nanos(fromNanos(n)); got != n {
			t.Fatalf("nanos(fromNanos(%d)) = %d", n, got)
		}
		tm := time.Unix(sec, nsec)
		got := fromNanos(nanos(tm))
		switch {
		case tm.Before(minTime):
			if !got.Equal(minTime) {
				t.Fatalf("%v before the range reads back as %v, want %v", tm, got, minTime)
			}
		case tm.After(maxTime):
			if !got.Equal(maxTime) {
				t.Fatalf("%v after the range reads back as %v, want %v", tm, got, maxTime)
			}
		case tm.UnixNano() == 0:
			if !got.IsZero() {
				t.Fatalf("the epoch reads back as %v, want the zero time", got)
			}
		default:
			if !got.Equal(tm) || got.Location() != time.UTC {
				t.Fatalf("%v reads back as %v", tm, got)
			}
		}
	})
}

// rowOf scans fixed columns and the given errors text, as a row read from
// a file another program may have written.
type rowOf struct{ errs string }

func (r rowOf) Scan(dest ...any) error {
	for i, d := range dest {
		switch p := d.(type) {
		case *string:
			*p = fmt.Sprint("col", i)
			if i == 5 {
				*p = string(store.Dead)
			}
			if i == 16 {
				*p = r.errs
			}
		case *int64:
			*p = int64(i)
		case *[]byte:
			*p = []byte("{}")
		default:
			return fmt.Errorf("column %d: unexpected %T", i, d)
		}
	}
	return nil
}

// FuzzErrorHistory decodes the errors column whatever it holds: the
// history, or an error naming the job; never a panic.
func FuzzErrorHistory(f *testing.F) {
	for _, s := range []string{
		``, `[]`, `[{"attempt":1,"at":"2030-01-02T03:04:05.000000006Z","error":"boom"}]`,
		`[{"attempt":"1"}]`, `[{"at":"yesterday"}]`, `{}`, `null`, `[`, "[\"\xff\"]", `[{"error":"\ud800"}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, errs string) {
		j, err := scanJob(rowOf{errs})
		if err != nil {
			if !strings.Contains(err.Error(), "col0") {
				t.Fatalf("scan %q: %v does not name the job", errs, err)
			}
			return
		}
		if errs != "" && errs != "[]" {
			var want []store.AttemptError
			if jerr := json.Unmarshal([]byte(errs), &want); jerr != nil || !reflect.DeepEqual(j.Errors, want) {
				t.Fatalf("scan %q: errors %+v, want %+v (%v)", errs, j.Errors, want, jerr)
			}
		}
	})
}

// FuzzStoreRoundTrip writes arguments, an attempt's error text and a
// result of any bytes through a real file and reads them back: the job
// stays readable, arguments and result come back byte for byte, and the
// error history says what the worker reported, escaped by
// storetext.Clean.
func FuzzStoreRoundTrip(f *testing.F) {
	f.Add([]byte(`{"n":1}`), "boom", []byte(`42`))
	f.Add([]byte{}, "", []byte(nil))
	f.Add([]byte("\x00\xff"), "bad \xff byte", []byte("\xfe"))
	f.Add([]byte(`"é"`), "quote \" backslash \\ newline \n tab \t nul \x00 end", []byte(`"\u0000"`))
	f.Add([]byte(`[]`), "\xed\xa0\x80 surrogate text \U0001F600", []byte(`{}`))
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	seq := 0
	f.Fuzz(func(t *testing.T, args []byte, errText string, result []byte) {
		seq++
		now := base.Add(time.Duration(seq) * time.Second)
		id := fmt.Sprintf("fuzz-%09d", seq)
		in := &store.Job{ID: id, Name: "fuzz", Queue: "fuzz", Args: args, State: store.Queued, MaxAttempts: 3, RunAt: now, EnqueuedAt: now}
		if _, err := s.Insert(ctx, []*store.Job{in}); err != nil {
			t.Fatalf("insert: %v", err)
		}
		claim := func() {
			t.Helper()
			got, err := s.Claim(ctx, store.ClaimRequest{Queues: []string{"fuzz"}, Limit: 1, Owner: "w", Now: now, LeaseUntil: now.Add(time.Minute)})
			if err != nil || len(got) != 1 || got[0].ID != id {
				t.Fatalf("claim: %v, %v", got, err)
			}
		}
		claim()
		if _, err := s.Finish(ctx, []store.Outcome{{ID: id, Owner: "w", State: store.Scheduled, Error: errText, RunAt: now, FinishedAt: now}}); err != nil {
			t.Fatalf("finish with error %q: %v", errText, err)
		}
		claim()
		if _, err := s.Finish(ctx, []store.Outcome{{ID: id, Owner: "w", State: store.Succeeded, Result: result, FinishedAt: now}}); err != nil {
			t.Fatalf("finish with result %q: %v", result, err)
		}
		j, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("get after an attempt failed with %q: %v", errText, err)
		}
		if string(j.Args) != string(args) || string(j.Result) != string(result) {
			t.Fatalf("args %q result %q read back as %q, %q", args, result, j.Args, j.Result)
		}
		// Error text is kept as every store keeps it: NUL and invalid
		// UTF-8 escaped, the same in LastError and in the JSON history.
		want := storetext.Clean(errText)
		if len(j.Errors) != 1 || j.Errors[0].Attempt != 1 || j.LastError != want || j.Errors[0].Error != want {
			t.Fatalf("error %q read back as history %+v, last %q; want %q", errText, j.Errors, j.LastError, want)
		}
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	})
}
