package integration_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Group commit: concurrent enqueues on one client share store writes.
// These tests hold the first write of a client at a gate, queue calls
// behind it, and release it, so that the calls queued meanwhile are
// written together; what they assert holds however the calls are
// grouped.

// errPoison is what gateStore fails a write with when it carries the job
// whose arguments are "poison".
var errPoison = errors.New("gate store: a poisoned job in the write")

// gateStore holds the first Insert until release is closed, records the
// IDs of every Insert, and fails an Insert that carries a poisoned job
// as a whole, as a store does for a value it cannot take.
type gateStore struct {
	store.Store
	entered, release chan struct{}
	once             sync.Once

	mu     sync.Mutex
	writes [][]string
}

func (g *gateStore) Insert(ctx context.Context, jobs []*store.Job) ([]store.Dup, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	g.mu.Lock()
	g.writes = append(g.writes, ids)
	g.mu.Unlock()
	for _, j := range jobs {
		if string(j.Args) == `"poison"` {
			return nil, errPoison
		}
	}
	return g.Store.Insert(ctx, jobs)
}

// sizes returns how many jobs each Insert carried.
func (g *gateStore) sizes() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]int, len(g.writes))
	for i, w := range g.writes {
		out[i] = len(w)
	}
	return out
}

// gated returns a client on c's store behind a gate, and starts a lone
// enqueue that the gate holds: calls made on the client until release
// queue for the next write.
func gated(t *testing.T, ctx context.Context, c *jobs.Client, opts ...jobs.Option) (*jobs.Client, *gateStore, func()) {
	t.Helper()
	g := &gateStore{Store: c.Store(), entered: make(chan struct{}), release: make(chan struct{})}
	gc, err := jobs.New(g, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gc.Close() })
	lead := make(chan error, 1)
	go func() {
		_, err := blob.Enqueue(ctx, gc, "lead")
		lead <- err
	}()
	<-g.entered
	var once sync.Once
	return gc, g, func() {
		once.Do(func() {
			close(g.release)
			if err := <-lead; err != nil {
				t.Errorf("the lone enqueue held at the gate: %v", err)
			}
		})
	}
}

// waitQueued waits until n enqueue calls wait for a shared write.
func waitQueued(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for {
		for {
			if k := runtime.Stack(buf, true); k < len(buf) {
				buf = buf[:k]
				break
			}
			buf = make([]byte, 2*len(buf))
		}
		if bytes.Count(buf, []byte("jobs.(*committer).wait(")) >= n {
			return
		}
		buf = buf[:cap(buf)]
		select {
		case <-ctx.Done():
			t.Fatalf("fewer than %d enqueues queued", n)
		case <-time.After(time.Millisecond):
		}
	}
}

// result is the outcome of one queued enqueue.
type result struct {
	h   *jobs.Handle[int]
	err error
}

// enqueueAll starts one Enqueue per element of calls and returns the
// results once all have returned.
func enqueueAll(calls []func() (*jobs.Handle[int], error)) func() []result {
	out := make([]result, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].h, out[i].err = call()
		}()
	}
	return func() []result {
		wg.Wait()
		return out
	}
}

func TestGroupCommitOwnResults(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		gc, g, release := gated(t, ctx, c)
		var sizes []int
		var sizesMu sync.Mutex
		stopSizes := gc.SubscribeBatches(func(n int) {
			sizesMu.Lock()
			sizes = append(sizes, n)
			sizesMu.Unlock()
		})
		const n = 16
		calls := make([]func() (*jobs.Handle[int], error), n)
		for i := range calls {
			calls[i] = func() (*jobs.Handle[int], error) { return add.Enqueue(ctx, gc, addArgs{A: i, B: 1000}) }
		}
		wait := enqueueAll(calls)
		waitQueued(t, ctx, n)
		release()
		res := wait()
		seen := make(map[string]bool)
		for i, r := range res {
			if r.err != nil {
				t.Fatalf("call %d: %v", i, r.err)
			}
			if seen[r.h.ID()] {
				t.Fatalf("call %d got job %s, which another call got too", i, r.h.ID())
			}
			seen[r.h.ID()] = true
			info, err := gc.Inspect().Job(ctx, r.h.ID())
			if err != nil || string(info.Args) != fmt.Sprintf(`{"A":%d,"B":1000}`, i) {
				t.Fatalf("call %d: job %s stored as %+v, %v", i, r.h.ID(), info, err)
			}
		}
		if got := g.sizes(); !slices.Equal(got, []int{1, n}) {
			t.Fatalf("writes carried %v jobs; want [1 %d]: the lone call, then every queued one together", got, n)
		}
		stopSizes()
		if !slices.Equal(sizes, []int{1, n}) {
			t.Fatalf("SubscribeBatches reported %v; want [1 %d]", sizes, n)
		}
		startWorker(t, gc, fastOpts(jobs.WorkerOptions{}), add, blob)
		for i, r := range res {
			if got, err := r.h.Await(ctx); err != nil || got != i+1000 {
				t.Fatalf("call %d: Await = %d, %v; want %d", i, got, err, i+1000)
			}
		}
	})
}

func TestGroupCommitBadJobFailsAlone(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		gc, g, release := gated(t, ctx, c)
		const n = 9
		calls := make([]func() (*jobs.Handle[int], error), n)
		for i := range calls {
			arg := fmt.Sprintf("ok-%d", i)
			if i == 5 {
				arg = "poison"
			}
			calls[i] = func() (*jobs.Handle[int], error) { return blob.Enqueue(ctx, gc, arg) }
		}
		wait := enqueueAll(calls)
		waitQueued(t, ctx, n)
		release()
		for i, r := range wait() {
			if i == 5 {
				if !errors.Is(r.err, errPoison) || r.h != nil {
					t.Fatalf("the poisoned call: %v, %v; want its store error and no handle", r.h, r.err)
				}
				continue
			}
			if r.err != nil {
				t.Fatalf("call %d beside the poisoned one: %v", i, r.err)
			}
			if _, err := gc.Inspect().Job(ctx, r.h.ID()); err != nil {
				t.Fatalf("call %d: job %s not stored: %v", i, r.h.ID(), err)
			}
		}
		st, err := gc.Inspect().Stats(ctx)
		if err != nil || st.Counts[store.Queued] != n {
			t.Fatalf("stats %+v, %v; want %d queued jobs: the lone one and the %d good ones", st, err, n, n-1)
		}
		if sizes := g.sizes(); len(sizes) < 3 || sizes[1] != n {
			t.Fatalf("writes carried %v jobs; want the lone one, all %d queued together, then the retries", sizes, n)
		}
	})
}

func TestGroupCommitCanceledBeforeWrite(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		gc, g, release := gated(t, ctx, c)
		cctx, cancel := context.WithCancel(ctx)
		wait := enqueueAll([]func() (*jobs.Handle[int], error){
			func() (*jobs.Handle[int], error) { return blob.Enqueue(cctx, gc, "canceled") },
		})
		waitQueued(t, ctx, 1)
		cancel()
		if r := wait()[0]; !errors.Is(r.err, context.Canceled) || r.h != nil {
			t.Fatalf("canceled while queued: %v, %v; want context.Canceled and no handle", r.h, r.err)
		}
		stay := enqueueAll([]func() (*jobs.Handle[int], error){
			func() (*jobs.Handle[int], error) { return blob.Enqueue(ctx, gc, "stays") },
		})
		waitQueued(t, ctx, 1)
		release()
		if r := stay()[0]; r.err != nil {
			t.Fatalf("the call after: %v", r.err)
		}
		if sizes := g.sizes(); !slices.Equal(sizes, []int{1, 1}) {
			t.Fatalf("writes carried %v jobs; want [1 1]: the canceled call is never written", sizes)
		}
		st, err := gc.Inspect().Stats(ctx)
		if err != nil || st.Counts[store.Queued] != 2 {
			t.Fatalf("stats %+v, %v; want 2 queued jobs", st, err)
		}
	})
}

func TestGroupCommitUniqueInOneBatch(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		gc, g, release := gated(t, ctx, c)
		call := func() (*jobs.Handle[int], error) {
			return add.Enqueue(ctx, gc, addArgs{A: 1}, jobs.Unique("same", time.Hour))
		}
		wait := enqueueAll([]func() (*jobs.Handle[int], error){call, call})
		waitQueued(t, ctx, 2)
		release()
		res := wait()
		if sizes := g.sizes(); !slices.Equal(sizes, []int{1, 2}) {
			t.Fatalf("writes carried %v jobs; want [1 2]", sizes)
		}
		first, dup := res[0], res[1]
		if first.err != nil {
			first, dup = dup, first
		}
		var de *jobs.DuplicateError
		if first.err != nil || !errors.Is(dup.err, jobs.ErrDuplicate) || !errors.As(dup.err, &de) {
			t.Fatalf("two calls with one key: %v and %v; want one stored and one ErrDuplicate", first.err, dup.err)
		}
		if dup.h == nil || dup.h.ID() != first.h.ID() || de.ID != first.h.ID() {
			t.Fatalf("the duplicate got handle %v and error %v; want the holder %s", dup.h, de, first.h.ID())
		}
		page, err := gc.Inspect().Jobs(ctx, jobs.ListOptions{Name: add.Name()})
		if err != nil || len(page.Jobs) != 1 {
			t.Fatalf("jobs of %s: %+v, %v; want exactly one", add.Name(), page, err)
		}
	})
}

// TestGroupCommitFeatures: headers from OnEnqueue, signatures, payload
// limits and workflow steps work for calls that share a write.
func TestGroupCommitFeatures(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		gc, _, release := gated(t, ctx, c,
			jobs.WithSigning([]byte("0123456789abcdef0123456789abcdef")),
			jobs.WithMaxPayload(64),
			jobs.OnEnqueue(func(ctx context.Context, h map[string]string) { h["trace"] = "t-1" }))
		wait := enqueueAll([]func() (*jobs.Handle[int], error){
			func() (*jobs.Handle[int], error) { return add.Enqueue(ctx, gc, addArgs{A: 2, B: 3}) },
			func() (*jobs.Handle[int], error) {
				return jobs.Then(wfDouble.Step(4), wfDouble).Enqueue(ctx, gc)
			},
			func() (*jobs.Handle[int], error) { return blob.Enqueue(ctx, gc, strings.Repeat("x", 100)) },
		})
		waitQueued(t, ctx, 2)
		release()
		res := wait()
		if res[2].err == nil || !strings.Contains(res[2].err.Error(), "over the limit") {
			t.Fatalf("an enqueue over the payload limit: %v", res[2].err)
		}
		for i, r := range res[:2] {
			if r.err != nil {
				t.Fatalf("call %d: %v", i, r.err)
			}
		}
		info, err := gc.Inspect().Job(ctx, res[0].h.ID())
		if err != nil || info.Headers["trace"] != "t-1" {
			t.Fatalf("headers of a batched job: %+v, %v", info, err)
		}
		startWorker(t, gc, fastOpts(jobs.WorkerOptions{}), add, blob, wfDouble)
		if got, err := res[0].h.Await(ctx); err != nil || got != 5 {
			t.Fatalf("signed batched job: %d, %v", got, err)
		}
		if got, err := res[1].h.Await(ctx); err != nil || got != 16 {
			t.Fatalf("batched chain: %d, %v; want 16", got, err)
		}
	})
}
