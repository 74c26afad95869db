package storecheck

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/spindlehq/spindle/jobs/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOutcome(t *testing.T) {
	ok := store.Outcome{ID: "j1", Owner: "w1", State: store.Succeeded}
	if err := Outcome("x", 0, ok); err != nil {
		t.Fatalf("valid outcome: %v", err)
	}
	for _, tt := range []struct {
		o    store.Outcome
		want string
	}{
		{store.Outcome{Owner: "w1", State: store.Succeeded}, "x: finish: outcomes[3] has an empty ID"},
		{store.Outcome{ID: "j1", State: store.Succeeded}, "x: finish job j1: empty Owner"},
		{store.Outcome{ID: "j1", Owner: "w1", State: store.Running}, `x: finish job j1: State "running"; want`},
	} {
		if err := Outcome("x", 3, tt.o); err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, store.ErrRejected) {
			t.Errorf("Outcome(%+v) = %v, want %q... matching store.ErrRejected", tt.o, err, tt.want)
		}
	}
}
