package dash

import (
	"testing"
	"time"
)

// TestEndedSessionsBound: logouts are remembered until the session would
// have expired; past maxEnded live ones, every session issued so far ends
// instead, so memory stays bounded and no ended session comes back.
func TestEndedSessionsBound(t *testing.T) {
	a := newAuth(testTokenInternal, false)
	now := time.Unix(1_900_000_000, 0)
	first := a.newSession(now)
	a.endSession(first, now)
	if a.validSession(first, now) {
		t.Fatal("an ended session is still valid")
	}
	// An expired entry is pruned when room is needed.
	later := now.Add(sessionTTL + time.Second)
	fresh := make([]string, 0, maxEnded)
	for range maxEnded - 1 {
		s := a.newSession(later)
		fresh = append(fresh, s)
		a.endSession(s, later)
	}
	keep := a.newSession(later)
	a.endSession(a.newSession(later), later) // prunes first, fits
	if n := len(a.ended.until); n != maxEnded {
		t.Fatalf("%d ended sessions remembered, want %d (the expired one pruned)", n, maxEnded)
	}
	if !a.validSession(keep, later) {
		t.Fatal("a session never logged out is invalid")
	}
	// Full of live entries: every session issued so far ends.
	a.endSession(a.newSession(later), later)
	if n := len(a.ended.until); n != 0 {
		t.Errorf("%d entries after the reset, want 0", n)
	}
	for _, s := range append(fresh, keep) {
		if a.validSession(s, later) {
			t.Fatal("a session issued before the reset is still valid")
		}
	}
	if s := a.newSession(later.Add(time.Second)); !a.validSession(s, later.Add(time.Second)) {
		t.Error("a session issued after the reset is invalid")
	}
}

const testTokenInternal = "0123456789abcdef-internal"
