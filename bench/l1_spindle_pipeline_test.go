package bench

import (
	"context"

	"github.com/spindlehq/spindle"
)

func init() {
	l1Register("spindle-pipeline", l1Pipeline)
}

// l1Pipeline runs the tasks as a spindle.Pipeline with limit workers
// (GOMAXPROCS without a limit), default queue sizes and no result stage.
func l1Pipeline(n, limit int, task func(int)) error {
	p := spindle.Pipeline[int, struct{}]{
		Work: func(_ context.Context, i int) (struct{}, error) {
			task(i)
			return struct{}{}, nil
		},
		Workers: l1Unbounded(limit),
	}
	_, err := p.Run(context.Background(), func(yield func(int) bool) {
		for i := 0; i < n && yield(i); i++ {
		}
	})
	return err
}
