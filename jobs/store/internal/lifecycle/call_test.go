package lifecycle

import (
	"errors"
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
)

func TestCallRunsWhileOpenOnly(t *testing.T) {
	var g Gate
	boom := errors.New("boom")
	if v, err := Call(&g, func() (int, error) { return 7, boom }); v != 7 || err != boom {
		t.Fatalf("Call = %d, %v; want f's 7, boom", v, err)
	}
	if a, b, err := Call2(&g, func() (int, string, error) { return 1, "x", nil }); a != 1 || b != "x" || err != nil {
		t.Fatalf("Call2 = %d, %q, %v", a, b, err)
	}
	if err := Do(&g, func() error { return boom }); err != boom {
		t.Fatalf("Do = %v; want boom", err)
	}
	// The call holds the gate: Close cannot have closed it meanwhile.
	if err := Do(&g, func() error {
		if g.mu.TryLock() {
			t.Error("the gate was free while a call ran")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	if _, err := g.Close(); err != nil {
		t.Fatal(err)
	}
	ran := false
	if v, err := Call(&g, func() (int, error) { ran = true; return 7, nil }); v != 0 || !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Call after Close = %d, %v; want 0, ErrClosed", v, err)
	}
	if a, b, err := Call2(&g, func() (int, string, error) { ran = true; return 1, "x", nil }); a != 0 || b != "" || !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Call2 after Close = %d, %q, %v; want zeros, ErrClosed", a, b, err)
	}
	if err := Do(&g, func() error { ran = true; return nil }); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Do after Close = %v; want ErrClosed", err)
	}
	if ran {
		t.Fatal("a call ran after Close")
	}
}

func TestShutReleasesOnce(t *testing.T) {
	var g Gate
	released := 0
	boom := errors.New("release failed")
	release := func() error { released++; return boom }
	if err := g.Shut(release); err != boom {
		t.Fatalf("first Shut = %v; want release's error", err)
	}
	if err := g.Shut(release); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("second Shut = %v; want ErrClosed", err)
	}
	if released != 1 {
		t.Fatalf("release ran %d times; want once", released)
	}
	if err := g.Enter(); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Enter after Shut = %v; want ErrClosed", err)
	}
}
