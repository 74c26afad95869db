package front

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// fakeWork counts the calls that reach it. When block is set, Get
// closes entered and waits for block; a release while it runs sets
// releasedEarly.
type fakeWork struct {
	calls         atomic.Int64
	closes        atomic.Int64
	block         chan struct{}
	entered       chan struct{}
	inGet         atomic.Bool
	releasedEarly atomic.Bool
}

func (f *fakeWork) hit() { f.calls.Add(1) }

func (f *fakeWork) Insert(context.Context, []*store.Job) ([]store.Dup, error) {
	f.hit()
	return nil, nil
}
func (f *fakeWork) Claim(context.Context, store.ClaimRequest) ([]*store.Job, error) {
	f.hit()
	return nil, nil
}
func (f *fakeWork) Finish(context.Context, []store.Outcome) ([]string, error) {
	f.hit()
	return nil, nil
}
func (f *fakeWork) ExtendLeases(context.Context, string, []string, time.Time) ([]string, error) {
	f.hit()
	return nil, nil
}
func (f *fakeWork) Recover(context.Context, time.Time) ([]store.Recovered, error) {
	f.hit()
	return nil, nil
}
func (f *fakeWork) ReadyNames(context.Context, []string, time.Time) ([]store.ReadyName, error) {
	f.hit()
	return nil, nil
}
func (f *fakeWork) FinishedAmong(context.Context, []string) ([]*store.Job, []string, error) {
	f.hit()
	return nil, nil, nil
}
func (f *fakeWork) Revoke(context.Context, string, string, time.Time) (store.RevokeResult, error) {
	f.hit()
	return store.RevokeResult{}, nil
}
func (f *fakeWork) RevokeRequests(context.Context, string) (map[string]string, error) {
	f.hit()
	return nil, nil
}
func (f *fakeWork) Wake(context.Context, []string, time.Time) error { f.hit(); return nil }
func (f *fakeWork) Restore(context.Context, string, time.Time) (store.State, error) {
	f.hit()
	return store.Queued, nil
}
func (f *fakeWork) Get(context.Context, string) (*store.Job, error) {
	f.hit()
	if f.block != nil {
		f.inGet.Store(true)
		close(f.entered)
		<-f.block
		f.inGet.Store(false)
	}
	return &store.Job{}, nil
}
func (f *fakeWork) List(context.Context, store.ListRequest) ([]*store.Job, error) {
	f.hit()
	return nil, nil
}
func (f *fakeWork) Queues(context.Context) ([]store.QueueInfo, error) { f.hit(); return nil, nil }
func (f *fakeWork) Stats(context.Context) (store.Stats, error)        { f.hit(); return store.Stats{}, nil }
func (f *fakeWork) Retry(context.Context, string, time.Time) error    { f.hit(); return nil }
func (f *fakeWork) Delete(context.Context, string) error              { f.hit(); return nil }
func (f *fakeWork) Purge(context.Context, string, store.State) (int, error) {
	f.hit()
	return 0, nil
}
func (f *fakeWork) Prune(context.Context, time.Time) (int, error) { f.hit(); return 0, nil }
func (f *fakeWork) Pause(context.Context, string) error           { f.hit(); return nil }
func (f *fakeWork) Resume(context.Context, string) error          { f.hit(); return nil }
func (f *fakeWork) Acquire(context.Context, store.Lease, time.Time) (store.Lease, bool, error) {
	f.hit()
	return store.Lease{}, true, nil
}
func (f *fakeWork) Release(context.Context, string, string) (bool, error) { f.hit(); return true, nil }
func (f *fakeWork) Leases(context.Context, string, time.Time) ([]store.Lease, error) {
	f.hit()
	return nil, nil
}
func (f *fakeWork) Count(context.Context, string, time.Time, time.Time) (int64, error) {
	f.hit()
	return 1, nil
}
func (f *fakeWork) Close() error {
	f.closes.Add(1)
	if f.inGet.Load() {
		f.releasedEarly.Store(true)
	}
	return errors.New("released")
}

// contractCalls calls every gated method of c once with valid,
// non-empty arguments and returns their errors by method name.
func contractCalls(c *Contract) map[string]error {
	later := now.Add(time.Minute)
	errs := map[string]error{}
	_, errs["Insert"] = c.Insert(ctx, []*store.Job{{ID: "a"}})
	_, errs["Claim"] = c.Claim(ctx, store.ClaimRequest{Queues: []string{"q"}, Limit: 1, Owner: "o"})
	_, errs["Finish"] = c.Finish(ctx, []store.Outcome{{ID: "a", Owner: "o", State: store.Succeeded}})
	_, errs["ExtendLeases"] = c.ExtendLeases(ctx, "o", []string{"a"}, later)
	_, errs["Recover"] = c.Recover(ctx, now)
	_, errs["ReadyNames"] = c.ReadyNames(ctx, []string{"q"}, now)
	_, _, errs["FinishedAmong"] = c.FinishedAmong(ctx, []string{"a"})
	_, errs["Revoke"] = c.Revoke(ctx, "a", "why", now)
	_, errs["RevokeRequests"] = c.RevokeRequests(ctx, "o")
	errs["Wake"] = c.Wake(ctx, []string{"a"}, now)
	_, errs["Restore"] = c.Restore(ctx, "a", now)
	_, errs["Get"] = c.Get(ctx, "a")
	_, errs["List"] = c.List(ctx, store.ListRequest{})
	_, errs["Queues"] = c.Queues(ctx)
	_, errs["Stats"] = c.Stats(ctx)
	errs["Retry"] = c.Retry(ctx, "a", now)
	errs["Delete"] = c.Delete(ctx, "a")
	_, errs["Purge"] = c.Purge(ctx, "q", store.Dead)
	_, errs["Prune"] = c.Prune(ctx, now)
	errs["Pause"] = c.Pause(ctx, "q")
	errs["Resume"] = c.Resume(ctx, "q")
	_, _, errs["Acquire"] = c.Acquire(ctx, store.Lease{Key: "k", Owner: "o", Until: later}, now)
	_, errs["Release"] = c.Release(ctx, "k", "o")
	_, errs["Leases"] = c.Leases(ctx, "", now)
	_, errs["Count"] = c.Count(ctx, "k", later, now)
	return errs
}

// TestContractReachesTheWorkUntilClose: every gated method reaches the
// work once while the store is open and none after Close, which returns
// ErrClosed; the work's Close runs once, and its error is the first
// Close's.
func TestContractReachesTheWorkUntilClose(t *testing.T) {
	w := &fakeWork{}
	var c Contract
	Init(&c, "x", 10, w)
	errs := contractCalls(&c)
	for name, err := range errs {
		if err != nil {
			t.Errorf("%s on an open store = %v", name, err)
		}
	}
	if got := w.calls.Load(); got != int64(len(errs)) {
		t.Fatalf("the work was called %d times for %d calls", got, len(errs))
	}
	if err := c.Close(); err == nil || err.Error() != "released" {
		t.Fatalf("first Close = %v; want the release's error", err)
	}
	if !c.gate.Closed() {
		t.Error("Closed() = false after Close")
	}
	for name, err := range contractCalls(&c) {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v; want ErrClosed", name, err)
		}
	}
	if got := w.calls.Load(); got != int64(len(errs)) {
		t.Errorf("the work was called %d times after Close", got-int64(len(errs)))
	}
	if err := c.Close(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("second Close = %v; want ErrClosed", err)
	}
	if n := w.closes.Load(); n != 1 {
		t.Errorf("the release ran %d times; want once", n)
	}
}

// TestContractCloseWaitsForCallsInFlight: the release runs only after
// the call Close found in flight returned, and that call gets its own
// result. (lifecycle's tests pin that Close blocks meanwhile.)
func TestContractCloseWaitsForCallsInFlight(t *testing.T) {
	w := &fakeWork{block: make(chan struct{}), entered: make(chan struct{})}
	var c Contract
	Init(&c, "x", 10, w)
	got := make(chan error, 1)
	go func() { _, err := c.Get(ctx, "a"); got <- err }()
	<-w.entered
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	close(w.block)
	if err := <-got; err != nil {
		t.Errorf("the call in flight = %v; want its own result", err)
	}
	if err := <-closed; err == nil || err.Error() != "released" {
		t.Errorf("Close = %v; want the release's error", err)
	}
	if w.releasedEarly.Load() {
		t.Error("the release ran while a call was in flight")
	}
}
