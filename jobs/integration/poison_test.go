package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Handlers whose outcomes some store cannot keep as they are: error text
// with a NUL byte or invalid UTF-8, a result over the cap, error text
// over the cap, and a result that is valid JSON but not valid UTF-8.
var (
	poisonNUL = jobs.Define("test.poison-nul", func(context.Context, int) (int, error) {
		return 0, errors.New("upstream said: \x00")
	}, jobs.Retries(1), jobs.RetryDelay(func(int) time.Duration { return time.Millisecond }))
	poisonUTF8 = jobs.Define("test.poison-utf8", func(context.Context, int) (int, error) {
		return 0, jobs.Permanent(errors.New("upstream said: \xff\xfe end"))
	})
	poisonBigResult = jobs.Define("test.poison-big-result", func(context.Context, int) (string, error) {
		return strings.Repeat("x", jobs.DefaultMaxResult), nil // two quotes over the cap once encoded
	})
	poisonLongError = jobs.Define("test.poison-long-error", func(context.Context, int) (int, error) {
		return 0, jobs.Permanent(errors.New(strings.Repeat("e", 2*jobs.DefaultMaxErrorText)))
	})
	poisonRawResult = jobs.Define("test.poison-raw-result", func(context.Context, int) (json.RawMessage, error) {
		return json.RawMessage(rawResult), nil
	})
)

// rawResult is valid JSON whose strings hold invalid UTF-8 and an escaped
// NUL: a result must come back byte for byte.
const rawResult = "{\"bytes\":\"\xff\xfe\xc0\",\"nul\":\"\\u0000\",\"text\":\"é\"}"

// TestPoisonOutcomesSettle runs poison outcomes among healthy jobs on one
// worker, so that they share outcome batches: every job settles, the
// healthy ones succeed, the poison ones fail with their text escaped,
// and nothing stays running.
func TestPoisonOutcomesSettle(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		var healthy []*jobs.Handle[int]
		enqueueHealthy := func(n int) {
			for range n {
				i := len(healthy)
				h, err := add.Enqueue(ctx, c, addArgs{i, 1})
				if err != nil {
					t.Fatal(err)
				}
				healthy = append(healthy, h)
			}
		}
		enqueueHealthy(6)
		hNUL, err := poisonNUL.Enqueue(ctx, c, 0)
		if err != nil {
			t.Fatal(err)
		}
		enqueueHealthy(6)
		hUTF8, _ := poisonUTF8.Enqueue(ctx, c, 0)
		hBig, _ := poisonBigResult.Enqueue(ctx, c, 0)
		enqueueHealthy(6)
		hLong, _ := poisonLongError.Enqueue(ctx, c, 0)
		hRaw, _ := poisonRawResult.Enqueue(ctx, c, 0)
		enqueueHealthy(6)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Concurrency: 8}),
			add, poisonNUL, poisonUTF8, poisonBigResult, poisonLongError, poisonRawResult)

		for i, h := range healthy {
			if got, err := h.Await(ctx); err != nil || got != i+1 {
				t.Fatalf("healthy job %d: %d, %v; want %d", i, got, err, i+1)
			}
		}

		_, err = hNUL.Await(ctx)
		je := wantJobError(t, err, store.Dead, 2)
		if want := `upstream said: \x00`; je.Err != want || len(je.Errors) != 2 || je.Errors[0].Error != want || je.Errors[1].Error != want {
			t.Fatalf("NUL error stored as %q, history %+v; want %q", je.Err, je.Errors, want)
		}

		_, err = hUTF8.Await(ctx)
		je = wantJobError(t, err, store.Dead, 1)
		if want := `upstream said: \xff\xfe end`; je.Err != want || len(je.Errors) != 1 || je.Errors[0].Error != want {
			t.Fatalf("invalid UTF-8 error stored as %q, history %+v; want %q", je.Err, je.Errors, want)
		}

		_, err = hBig.Await(ctx)
		je = wantJobError(t, err, store.Dead, 1)
		for _, want := range []string{strconv.Itoa(jobs.DefaultMaxResult + 2), strconv.Itoa(jobs.DefaultMaxResult), "jobs.WithMaxResult"} {
			if !strings.Contains(je.Err, want) {
				t.Fatalf("over-cap result: error %q does not say %q", je.Err, want)
			}
		}

		_, err = hLong.Await(ctx)
		je = wantJobError(t, err, store.Dead, 1)
		if !strings.HasPrefix(je.Err, strings.Repeat("e", 1000)) || !strings.Contains(je.Err, "truncated") ||
			!strings.Contains(je.Err, "jobs.WithMaxErrorText") || len(je.Err) > jobs.DefaultMaxErrorText {
			t.Fatalf("over-cap error text stored as %d bytes ending %q; want it cut to at most %d with a note",
				len(je.Err), je.Err[max(0, len(je.Err)-200):], jobs.DefaultMaxErrorText)
		}

		raw, err := hRaw.Await(ctx)
		if err != nil || !bytes.Equal(raw, []byte(rawResult)) {
			t.Fatalf("raw result %q, %v; want %q byte for byte", raw, err, rawResult)
		}

		st, err := c.Inspect().Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Counts[store.Running] != 0 || st.Counts[store.Queued] != 0 || st.Counts[store.Scheduled] != 0 {
			t.Fatalf("after every job settled: counts %v; want none running or waiting", st.Counts)
		}
	})
}

var (
	echoText = jobs.Define("test.echo-text", func(_ context.Context, s string) (string, error) { return s, nil })
	failText = jobs.Define("test.fail-text", func(_ context.Context, s string) (int, error) {
		return 0, jobs.Permanent(errors.New(s))
	})
)

// The caps are the client's, set like WithMaxPayload, and the error-text
// cap counts the text as stored, escapes included.
func TestOutcomeLimitsConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c, s := memClient(t, jobs.WithMaxResult(16), jobs.WithMaxErrorText(300))
		startWorker(t, c, jobs.WorkerOptions{}, echoText, failText)

		h, _ := echoText.Enqueue(ctx, c, strings.Repeat("r", 14)) // 16 bytes with its quotes
		if got, err := h.Await(ctx); err != nil || len(got) != 14 {
			t.Fatalf("a result at the limit: %q, %v", got, err)
		}
		h, _ = echoText.Enqueue(ctx, c, strings.Repeat("r", 15))
		_, err := h.Await(ctx)
		je := wantJobError(t, err, store.Dead, 1)
		if !strings.Contains(je.Err, "17 bytes") || !strings.Contains(je.Err, "limit of 16") || !strings.Contains(je.Err, "jobs.WithMaxResult") {
			t.Fatalf("a result one byte over: %q; want both sizes and the option", je.Err)
		}

		for _, tc := range []struct{ text, prefix, full string }{
			{strings.Repeat("e", 1000), "eee", "1000 bytes"},
			{strings.Repeat("\x00", 200), `\x00\x00`, "800 bytes"}, // escaped, 4 bytes each
		} {
			hf, _ := failText.Enqueue(ctx, c, tc.text)
			_, err := hf.Await(ctx)
			je := wantJobError(t, err, store.Dead, 1)
			if len(je.Err) > 300 || !strings.HasPrefix(je.Err, tc.prefix) || !strings.Contains(je.Err, tc.full) || !strings.Contains(je.Err, "jobs.WithMaxErrorText") {
				t.Fatalf("error text cut to %d bytes: %q; want at most 300, with a note giving %s", len(je.Err), je.Err, tc.full)
			}
		}

		for _, tc := range []struct {
			opt  jobs.Option
			want string
		}{
			{jobs.WithMaxResult(0), "WithMaxResult(0): want at least 1 byte"},
			{jobs.WithMaxErrorText(100), "WithMaxErrorText(100): want at least 256 bytes"},
		} {
			if _, err := jobs.New(s, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("bad option: %v; want %q", err, tc.want)
			}
		}
	})
}

// Text that stores keep as keys is refused up front, naming the rule,
// rather than failing every store call that carries it.
func TestKeysMustBeStorableText(t *testing.T) {
	c, _ := memClient(t)
	ctx := context.Background()
	for _, key := range []string{"k\x00", "k\xff"} {
		if _, err := echoText.Enqueue(ctx, c, "x", jobs.Unique(key, time.Hour)); err == nil || !strings.Contains(err.Error(), "valid UTF-8 without NUL") {
			t.Errorf("Unique(%q): %v; want the rule", key, err)
		}
	}
	if _, err := jobs.NewWorker(c, jobs.WorkerOptions{ID: "w\x00"}, echoText); err == nil || !strings.Contains(err.Error(), "WorkerOptions.ID") || !strings.Contains(err.Error(), "valid UTF-8 without NUL") {
		t.Errorf("WorkerOptions.ID with NUL: %v; want the rule", err)
	}
}
