package chunked

import (
	"errors"
	"testing"
)

// steps returns a step that reports counts one by one, more while any
// remain, and fails with err on the last one when err is not nil.
func steps(err error, counts ...int) (step func() (int, bool, error), calls *int) {
	calls = new(int)
	return func() (int, bool, error) {
		n := counts[*calls]
		*calls++
		if *calls == len(counts) {
			return n, false, err
		}
		return n, true, nil
	}, calls
}

func TestWalkSumsUntilNoMore(t *testing.T) {
	step, calls := steps(nil, 3, 3, 1)
	if n, err := Walk(step); n != 7 || err != nil || *calls != 3 {
		t.Fatalf("Walk = %d, %v after %d steps; want 7, nil after 3", n, err, *calls)
	}
}

func TestWalkStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	step, calls := steps(boom, 3, 2)
	if n, err := Walk(step); n != 5 || err != boom || *calls != 2 {
		t.Fatalf("Walk = %d, %v after %d steps; want 5 (the failing step's count included), boom after 2", n, err, *calls)
	}
	failing := func() (int, bool, error) { return 0, true, boom }
	if n, err := Walk(failing); n != 0 || err != boom {
		t.Fatalf("Walk of a failing step that claims more = %d, %v; want 0, boom", n, err)
	}
}
