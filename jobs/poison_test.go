package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

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
