package spindle_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/spindlehq/spindle"
)

// The asyncio producer/consumer controller: 25 workers square the
// numbers, one result handler collects them (no locking needed with a
// single handler), and the completion callback reports the statistics.
func ExamplePipeline() {
	numbers := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	squares := make([]int, len(numbers))
	p := spindle.Pipeline[int, int]{
		Work: func(ctx context.Context, n int) (int, error) {
			return n * n, nil
		},
		Workers: 25,
		OnResult: func(r spindle.PipelineResult[int, int]) {
			squares[r.Index] = r.Out // results arrive as they complete; Index is the source order
		},
		OnDone: func(s spindle.PipelineStats, err error) {
			fmt.Printf("job completed: %d read, %d done, %d failed, err %v\n", s.Read, s.Done, s.Failed, err)
		},
	}
	if _, err := p.Run(context.Background(), slices.Values(numbers)); err != nil {
		fmt.Println("error:", err)
	}
	fmt.Println(squares)
	// Output:
	// job completed: 10 read, 10 done, 0 failed, err <nil>
	// [0 1 4 9 16 25 36 49 64 81]
}

// With StopOnError the first failure cancels the run and is what Run
// returns; without it, failures are counted and handed to OnResult while
// the other items go on.
func ExamplePipeline_stopOnError() {
	p := spindle.Pipeline[string, int]{
		Work: func(ctx context.Context, s string) (int, error) {
			return strconv.Atoi(s)
		},
		Workers: 1,
	}
	input := []string{"1", "2", "three", "4"}

	st, err := p.Run(context.Background(), slices.Values(input))
	fmt.Printf("no OnResult: %d done, %d failed; first failure: %v\n", st.Done, st.Failed, err)

	p.StopOnError = true
	st, err = p.Run(context.Background(), slices.Values(input))
	fmt.Printf("StopOnError: %d done, %d failed; stopped by: %v\n", st.Done, st.Failed, err)
	fmt.Println(errors.Is(err, strconv.ErrSyntax))
	// Output:
	// no OnResult: 3 done, 1 failed; first failure: strconv.Atoi: parsing "three": invalid syntax
	// StopOnError: 2 done, 1 failed; stopped by: strconv.Atoi: parsing "three": invalid syntax
	// true
}
