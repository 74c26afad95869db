package lifecycle

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
)

func TestGate(t *testing.T) {
	var g Gate
	if err := g.Enter(); err != nil {
		t.Fatal(err)
	}
	var left atomic.Bool
	closed := make(chan bool)
	go func() {
		first, err := g.Close()
		if err != nil {
			t.Errorf("first Close: %v", err)
		}
		// Close waits for the call in flight: it cannot return before
		// that call left.
		if !left.Load() {
			t.Error("Close returned while a call was in flight")
		}
		closed <- first
	}()
	for range 100 {
		runtime.Gosched() // give a Close that does not wait the chance to return
	}
	left.Store(true)
	g.Leave()
	if !<-closed {
		t.Fatal("the first Close did not report that it closed the gate")
	}
	if err := g.Enter(); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Enter after Close = %v, want ErrClosed", err)
	}
	if first, err := g.Close(); first || !errors.Is(err, store.ErrClosed) {
		t.Fatalf("second Close = %v, %v; want false, ErrClosed", first, err)
	}
	if !g.Closed() {
		t.Fatal("Closed() = false after Close")
	}
}
