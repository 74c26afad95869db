package integration_test

import (
	"runtime"
	"testing"
	"time"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs"
)

// A Gather over many job handles subscribes to them through the client's
// one watch: however many handles it waits for, the process runs a
// handful of goroutines more than the idle client, not one per handle.
func TestGatherOfHandlesCostsNoGoroutineEach(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		base := quietBaseline(t, c)
		ctx := testCtx(t)
		const n = 500
		_, aws := waitingAdds(t, c, n)
		type result struct {
			got []int
			err error
		}
		done := make(chan result, 1)
		go func() {
			got, err := spindle.Gather(ctx, aws...)
			done <- result{got, err}
		}()
		time.Sleep(300 * time.Millisecond) // the Gather has subscribed and waits
		// The Gather's goroutine, the client's watch loop and what the store
		// runs while something waits (SQLite's poller); never one per handle.
		if now := runtime.NumGoroutine(); now > base+8 {
			t.Fatalf("%d goroutines while a Gather waits for %d handles; %d idle", now, n, base)
		}
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Concurrency: 4}), add)
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		for i, v := range r.got {
			if v != 2*i {
				t.Fatalf("result %d = %d, want %d", i, v, 2*i)
			}
		}
	})
}
