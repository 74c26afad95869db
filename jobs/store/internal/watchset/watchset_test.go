package watchset

import (
	"sync"
	"testing"
)

func got(ch <-chan struct{}) bool {
	select {
	case _, ok := <-ch:
		return ok
	default:
		return false
	}
}

func closedNow(ch <-chan struct{}) bool {
	select {
	case _, ok := <-ch:
		return !ok
	default:
		return false
	}
}

func TestReady(t *testing.T) {
	var mu sync.Mutex
	var r Ready
	a, stopA := r.Add(&mu, []string{"a"})
	ab, _ := r.Add(&mu, []string{"a", "b"})
	all, _ := r.Add(&mu, nil)
	if r.Len() != 3 || !r.Watches("b") || !r.Watches("zzz") {
		t.Fatalf("Len %d, Watches(b) %v, Watches(zzz) %v", r.Len(), r.Watches("b"), r.Watches("zzz"))
	}
	r.Signal("b")
	r.Signal("b") // coalesced
	if got(a) || !got(ab) || got(ab) || !got(all) {
		t.Fatal(`Signal("b") reached the wrong watchers, or did not coalesce`)
	}
	r.Signal()
	if got(a) || got(ab) || !got(all) {
		t.Fatal("Signal() should reach only the watchers of every queue")
	}
	r.SignalAll()
	if !got(a) || !got(ab) || !got(all) {
		t.Fatal("SignalAll missed a watcher")
	}
	stopA()
	stopA()
	if r.Len() != 2 {
		t.Fatalf("Len after stop = %d, want 2", r.Len())
	}
	r.Close()
	if !closedNow(ab) || !closedNow(all) || r.Len() != 0 {
		t.Fatal("Close left a channel open")
	}
	late, stop := r.Add(&mu, []string{"a"})
	stop()
	if !closedNow(late) || r.Len() != 0 {
		t.Fatal("Add after Close should return a closed channel and register nothing")
	}
}

func TestSet(t *testing.T) {
	var mu sync.Mutex
	var s Set
	a, stopA := s.Add(&mu)
	b, _ := s.Add(&mu)
	s.Signal()
	s.Signal()
	if !got(a) || got(a) || !got(b) {
		t.Fatal("Signal missed a watcher, or did not coalesce")
	}
	stopA()
	stopA()
	if s.Len() != 1 {
		t.Fatalf("Len after stop = %d, want 1", s.Len())
	}
	s.Close()
	if !closedNow(b) || s.Len() != 0 {
		t.Fatal("Close left a channel open")
	}
	late, stop := s.Add(&mu)
	stop()
	if !closedNow(late) {
		t.Fatal("Add after Close should return a closed channel")
	}
}
