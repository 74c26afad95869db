package jobs

import (
	"testing"
	"time"
)

func TestJitteredBackoff(t *testing.T) {
	base, max := time.Second, time.Minute
	cases := []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{1, 0, 500 * time.Millisecond},   // wait 1s, lowest jitter
		{1, 0.5, 750 * time.Millisecond}, // middle
		{3, 0, 2 * time.Second},          // wait 4s
		{3, 0.999999, 4*time.Second - 2*time.Microsecond},
		{10, 0, 30 * time.Second}, // capped at max
		{1000, 0, 30 * time.Second},
		{0, 0, 500 * time.Millisecond}, // treated as the first
	}
	for _, tc := range cases {
		got := jitteredBackoff(base, max, tc.attempt, func() float64 { return tc.rnd })
		if d := got - tc.want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("attempt %d rnd %v: %v, want %v", tc.attempt, tc.rnd, got, tc.want)
		}
	}
	// The real jitter stays within [wait/2, wait].
	for range 1000 {
		if d := jitteredBackoffRand(base, max, 2); d < time.Second || d > 2*time.Second {
			t.Fatalf("attempt 2 waited %v, want within [1s, 2s]", d)
		}
	}
}

func TestPickWeighted(t *testing.T) {
	weights := []int{3, 1}
	counts := make([]int, 2)
	for n := range 4 {
		counts[pickWeighted(weights, func(int) int { return n })]++
	}
	if counts[0] != 3 || counts[1] != 1 {
		t.Fatalf("picks over every draw %v, want [3 1]", counts)
	}
}

func TestJobIDsIncrease(t *testing.T) {
	var g jobIDs
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 10000 {
		id := g.next(at.Add(time.Duration(i/100) * time.Millisecond))
		if len(id) != 26 || id <= prev {
			t.Fatalf("id %q after %q: want 26 characters, increasing", id, prev)
		}
		prev = id
	}
	// A clock that steps back does not break the order.
	if id := g.next(at); id <= prev {
		t.Fatalf("id %q after %q with the clock stepped back", id, prev)
	}
}

func TestPollingNormalize(t *testing.T) {
	p, err := Polling{Factor: 2}.normalize(DefaultPolling)
	if err != nil || p.First != DefaultPolling.First || p.Factor != 2 || p.Max != time.Second || p.Sweep != DefaultPolling.Sweep {
		t.Fatalf("normalize = %+v, %v", p, err)
	}
	if _, err := (Polling{Factor: 0.5}).normalize(DefaultPolling); err == nil {
		t.Fatal("Factor 0.5 accepted")
	}
	if d := DefaultPolling.next(900 * time.Millisecond); d != time.Second {
		t.Fatalf("next after 900ms = %v, want the 1s cap", d)
	}
}
