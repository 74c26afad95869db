package watchset

import "testing"

func TestHubAddsUntilClosed(t *testing.T) {
	var h Hub
	started := 0
	start := func() {
		if h.Mu.TryLock() {
			t.Error("started ran without the hub's lock held")
			h.Mu.Unlock()
		}
		started++
	}
	ready, stopReady := h.AddReady([]string{"q"}, start)
	revoked, stopRevoked := h.AddRevoked(start)
	if started != 2 {
		t.Fatalf("started ran %d times; want once per watch", started)
	}
	h.Mu.Lock()
	h.Ready.Signal("q")
	h.Revoked.Signal()
	h.Mu.Unlock()
	for name, ch := range map[string]<-chan struct{}{"Ready": ready, "Revoked": revoked} {
		select {
		case <-ch:
		default:
			t.Errorf("%s watcher not signalled", name)
		}
	}
	stopReady()
	stopRevoked()
	if h.Ready.Len() != 0 || h.Revoked.Len() != 0 {
		t.Fatal("stop left a watcher registered")
	}

	h.Mu.Lock()
	h.Closed = true
	h.Mu.Unlock()
	ready, stopReady = h.AddReady(nil, start)
	revoked, stopRevoked = h.AddRevoked(start)
	for name, ch := range map[string]<-chan struct{}{"Ready": ready, "Revoked": revoked} {
		if _, open := <-ch; open {
			t.Errorf("%s after close: channel open; want closed", name)
		}
	}
	stopReady()
	stopRevoked()
	if started != 2 || h.Ready.Len() != 0 || h.Revoked.Len() != 0 {
		t.Fatalf("a closed hub started (%d) or registered watchers", started)
	}
}
