package integration_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

var blob = jobs.Define("test.blob", func(ctx context.Context, s string) (int, error) { return len(s), nil })

func TestPayloadLimit(t *testing.T) {
	ctx := context.Background()
	c, s := memClient(t)
	// Two bytes of JSON quotes around the string.
	if _, err := blob.Enqueue(ctx, c, strings.Repeat("a", jobs.DefaultMaxPayload-2)); err != nil {
		t.Fatalf("a payload at the limit: %v", err)
	}
	_, err := blob.Enqueue(ctx, c, strings.Repeat("a", jobs.DefaultMaxPayload-1))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprint(jobs.DefaultMaxPayload+1)) || !strings.Contains(err.Error(), "WithMaxPayload") || !strings.Contains(err.Error(), `"test.blob"`) {
		t.Fatalf("a payload one byte over: %v; want an error naming the job, the size and the option", err)
	}
	// Map refuses the whole batch: nothing is stored.
	if _, err := blob.Map(ctx, c, []string{"ok", strings.Repeat("a", jobs.DefaultMaxPayload)}); err == nil || !strings.Contains(err.Error(), "element 1") {
		t.Fatalf("Map with one oversize element: %v", err)
	}
	if st, _ := s.Stats(ctx); st.Counts[store.Queued] != 1 {
		t.Fatalf("queued after the refusals: %v, want only the first job", st.Counts)
	}

	small, _ := memClient(t, jobs.WithMaxPayload(10))
	if _, err := blob.Enqueue(ctx, small, "12345678"); err != nil {
		t.Fatalf("10 bytes under WithMaxPayload(10): %v", err)
	}
	if _, err := blob.Enqueue(ctx, small, "123456789"); err == nil || !strings.Contains(err.Error(), "11 bytes") {
		t.Fatalf("11 bytes under WithMaxPayload(10): %v", err)
	}
	if _, err := jobs.New(s, jobs.WithMaxPayload(0)); err == nil || !strings.Contains(err.Error(), "at least 1") {
		t.Fatalf("WithMaxPayload(0): %v", err)
	}
}

// Bad names are refused at enqueue with the rule in the error, before
// anything is stored.
func TestEnqueueRejectsBadNames(t *testing.T) {
	ctx := context.Background()
	c, s := memClient(t)
	for _, q := range []string{"", " default", "a b", "-x", strings.Repeat("q", 129), "q\x00", "ü"} {
		_, err := blob.Enqueue(ctx, c, "x", jobs.Queue(q))
		if err == nil || !strings.Contains(err.Error(), "queue name") || !strings.Contains(err.Error(), "1 to 128 characters") {
			t.Errorf("Queue(%q): %v; want the naming rule", q, err)
		}
	}
	if st, _ := s.Stats(ctx); st.Counts[store.Queued] != 0 {
		t.Fatalf("stored despite bad names: %v", st.Counts)
	}
}

func ExampleWithMaxPayload() {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:", jobs.WithMaxPayload(64<<10))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	_, err = blob.Enqueue(ctx, c, strings.Repeat("x", 100<<10))
	fmt.Println(err)
	// Output:
	// jobs: enqueue "test.blob": arguments are 102402 bytes encoded, over the limit of 65536 (set with jobs.WithMaxPayload); pass a reference to large data instead
}
