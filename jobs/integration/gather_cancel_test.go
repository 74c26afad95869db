package integration_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// A gather whose ctx ends cancels the in-process tasks it holds but not
// the durable job: the job is neither revoked nor waited for, and runs
// to its end.
func TestGatherCtxEndLeavesDurableJobRunning(t *testing.T) {
	for _, settled := range []bool{false, true} {
		name := "Gather"
		if settled {
			name = "GatherSettled"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, _ := memClient(t)
				startWorker(t, c, jobs.WorkerOptions{}, slowDouble)
				bg := context.Background()
				h, err := slowDouble.Enqueue(bg, c, 21) // takes 50ms
				if err != nil {
					t.Fatal(err)
				}
				task := spindle.Go(bg, func(ctx context.Context) (int, error) {
					<-ctx.Done()
					return 0, ctx.Err()
				})
				ctx, cancel := context.WithTimeout(bg, 10*time.Millisecond)
				defer cancel()
				start := time.Now()
				if settled {
					_, err = spindle.GatherSettled[int](ctx, h, task)
				} else {
					_, err = spindle.Gather[int](ctx, h, task)
				}
				if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 10*time.Millisecond {
					t.Fatalf("err %v after %v; want DeadlineExceeded after 10ms, without waiting for the job", err, time.Since(start))
				}
				if task.State() != spindle.Canceled {
					t.Fatalf("in-process task %v; want canceled", task.State())
				}
				j, err := c.Store().Get(bg, h.ID())
				if err != nil || j.State != store.Running {
					t.Fatalf("job %v, %v; want still running", j, err)
				}
				if v, err := h.Await(bg); err != nil || v != 42 {
					t.Fatalf("job ended %v, %v; want 42: it was not revoked", v, err)
				}
			})
		})
	}
}
