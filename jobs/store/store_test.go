package store

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStates(t *testing.T) {
	final := map[State]bool{Succeeded: true, Dead: true, Canceled: true, Expired: true}
	for _, s := range States {
		if !s.Valid() {
			t.Errorf("%q is listed but not Valid", s)
		}
		if s.Final() != final[s] {
			t.Errorf("%q: Final() = %v, want %v", s, s.Final(), final[s])
		}
	}
	for _, bad := range []State{"", "done", "Queued"} {
		if bad.Valid() {
			t.Errorf("%q is Valid; only the listed states are", bad)
		}
	}
}
