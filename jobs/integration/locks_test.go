package integration_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

func TestUniqueByKeyAndArgs(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		h1, err := add.Enqueue(ctx, c, addArgs{1, 2}, jobs.Unique("report-42", time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		h2, err := add.Enqueue(ctx, c, addArgs{5, 5}, jobs.Unique("report-42", time.Hour))
		var de *jobs.DuplicateError
		if !errors.Is(err, jobs.ErrDuplicate) || !errors.As(err, &de) || de.ID != h1.ID() || h2 == nil || h2.ID() != h1.ID() {
			t.Fatalf("duplicate enqueue: %v, handle %v; want ErrDuplicate and the first job's handle", err, h2)
		}
		// By arguments: the same value, built differently, is a duplicate.
		type payload struct {
			M map[string]int `json:"m"`
		}
		uniq := jobs.Define("test.unique-args", func(ctx context.Context, p payload) (int, error) { return len(p.M), nil }, jobs.UniqueArgs(time.Hour))
		a := map[string]int{"x": 1, "y": 2}
		ha, err := uniq.Enqueue(ctx, c, payload{a})
		if err != nil {
			t.Fatal(err)
		}
		hb, err := uniq.Enqueue(ctx, c, payload{map[string]int{"y": 2, "x": 1}})
		if !errors.Is(err, jobs.ErrDuplicate) || hb.ID() != ha.ID() {
			t.Fatalf("same arguments: %v", err)
		}
		if _, err := uniq.Enqueue(ctx, c, payload{map[string]int{"x": 2}}); err != nil {
			t.Fatalf("other arguments: %v", err)
		}
		// Within one Map: the second equal element is a duplicate of the first.
		g, err := uniq.Map(ctx, c, []payload{{map[string]int{"z": 1}}, {map[string]int{"z": 1}}})
		if !errors.Is(err, jobs.ErrDuplicate) || g.Handles()[0].ID() != g.Handles()[1].ID() {
			t.Fatalf("Map with equal elements: %v", err)
		}
		// Once the job finished, the key is free again.
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), add, uniq)
		if got, err := h2.Await(ctx); err != nil || got != 3 {
			t.Fatalf("awaiting the duplicate's handle: %d, %v", got, err)
		}
		time.Sleep(50 * time.Millisecond)
		if _, err := add.Enqueue(ctx, c, addArgs{5, 5}, jobs.Unique("report-42", time.Hour)); err != nil {
			t.Fatalf("after the first finished: %v", err)
		}
		if _, err := add.Enqueue(ctx, c, addArgs{}, jobs.Unique("", time.Hour)); err == nil {
			t.Fatal("Unique with an empty key accepted")
		}
	})
}

func TestUniqueTTLLapses(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		if _, err := add.Enqueue(ctx, c, addArgs{}, jobs.Unique("k", 300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if _, err := add.Enqueue(ctx, c, addArgs{}, jobs.Unique("k", 300*time.Millisecond)); !errors.Is(err, jobs.ErrDuplicate) {
			t.Fatalf("within the TTL: %v", err)
		}
		time.Sleep(400 * time.Millisecond)
		if _, err := add.Enqueue(ctx, c, addArgs{}, jobs.Unique("k", 300*time.Millisecond)); err != nil {
			t.Fatalf("after the TTL: %v", err)
		}
	})
}

// exclusive records how many of its jobs run at once.
type exclusive struct {
	mu       sync.Mutex
	cur, max int
	ran      atomic.Int64
}

func (x *exclusive) run(d time.Duration) {
	x.mu.Lock()
	x.cur++
	x.max = max(x.max, x.cur)
	x.mu.Unlock()
	time.Sleep(d)
	x.mu.Lock()
	x.cur--
	x.mu.Unlock()
	x.ran.Add(1)
}

var lockedX exclusive

var lockedJob = jobs.Define("test.locked", func(ctx context.Context, n int) (int, error) {
	lockedX.run(20 * time.Millisecond)
	return n, nil
}, jobs.Lock("ledger"), jobs.LockRetry(10*time.Millisecond))

func TestLockSerializesAcrossWorkers(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		lockedX = exclusive{}
		ev := collectEvents(t, c)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Concurrency: 4}), lockedJob)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Concurrency: 4}), lockedJob)
		g, err := lockedJob.Map(ctx, c, []int{1, 2, 3, 4, 5, 6})
		if err != nil {
			t.Fatal(err)
		}
		res, err := g.Await(ctx)
		if err != nil || len(res) != 6 {
			t.Fatalf("Await = %v, %v", res, err)
		}
		if lockedX.max != 1 {
			t.Fatalf("%d jobs holding one lock ran at once", lockedX.max)
		}
		ev.waitFor(t, ctx, jobs.EventLocked, "")
		// Deferrals spend no attempts.
		for _, h := range g.Handles() {
			info, _ := c.Inspect().Job(ctx, h.ID())
			if info.Attempt != 1 || len(info.Errors) != 0 {
				t.Fatalf("job %s: attempt %d errors %v", h.ID(), info.Attempt, info.Errors)
			}
		}
	})
}

func TestLockSkipAndCrashedHolder(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		skipper := jobs.Define("test.lock-skip", func(ctx context.Context, n int) (int, error) { return n, nil },
			jobs.LockArgs(), jobs.LockSkip())
		waiter := jobs.Define("test.lock-wait", func(ctx context.Context, n int) (int, error) { return n, nil },
			jobs.Lock("shared"), jobs.LockRetry(50*time.Millisecond))
		// A job of a worker that died holds both locks, with a lease that
		// lapses in 500ms.
		st := c.Store()
		t0 := time.Now().UTC()
		for _, key := range []string{"lock:shared", "lock:test.lock-skip:" + argsHashOf(t, 7)} {
			if _, ok, err := st.Acquire(ctx, store.Lease{Key: key, Owner: "01DEADJOB0000000000000000", Until: t0.Add(500 * time.Millisecond)}, t0); err != nil || !ok {
				t.Fatalf("Acquire %s: %v %v", key, ok, err)
			}
		}
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), skipper, waiter)
		hs, _ := skipper.Enqueue(ctx, c, 7)
		_, err := hs.Await(ctx)
		je := wantJobError(t, err, store.Canceled, 1)
		if !strings.Contains(je.Err, "01DEADJOB") || !strings.Contains(je.Err, "held") {
			t.Fatalf("skipped job's error %q: want the lock and its holder", je.Err)
		}
		// Other arguments take another lock and run.
		h8, _ := skipper.Enqueue(ctx, c, 8)
		if got, err := h8.Await(ctx); err != nil || got != 8 {
			t.Fatalf("other arguments: %d, %v", got, err)
		}
		// The waiter runs once the dead holder's lease lapses.
		hw, _ := waiter.Enqueue(ctx, c, 1)
		if got, err := hw.Await(ctx); err != nil || got != 1 {
			t.Fatalf("waiter: %d, %v", got, err)
		}
		if !time.Now().After(t0.Add(500 * time.Millisecond)) {
			t.Fatal("the waiter ran while the dead worker's lock was live")
		}
		// Every lock was released at the end of its attempt.
		if ls, _ := st.Leases(ctx, "lock:", time.Now().UTC()); len(ls) != 0 {
			t.Fatalf("locks left: %+v", ls)
		}
	})
}

// argsHashOf is the hash lock and unique keys name arguments by: the
// first 16 bytes of SHA-256 over their canonical JSON, in hex. A test
// that pins it here catches a change of the format, which would split
// the locks of workers on either side of a deploy.
func argsHashOf(t *testing.T, v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16])
}
