package lifecycle

// Call runs f as one call of the store g guards, so that no method can
// skip the rule: store.ErrClosed once g closed, otherwise f's results,
// with Close waiting until f returns. f runs on the caller's goroutine
// and is not kept, so a func literal passed here costs no allocation.
func Call[R any](g *Gate, f func() (R, error)) (R, error) {
	if err := g.Enter(); err != nil {
		var zero R
		return zero, err
	}
	defer g.Leave()
	return f()
}

// Call2 is [Call] for the methods with two results besides the error.
func Call2[R1, R2 any](g *Gate, f func() (R1, R2, error)) (R1, R2, error) {
	if err := g.Enter(); err != nil {
		var zero1 R1
		var zero2 R2
		return zero1, zero2, err
	}
	defer g.Leave()
	return f()
}

// Do is [Call] for the methods whose only result is the error.
func Do(g *Gate, f func() error) error {
	if err := g.Enter(); err != nil {
		return err
	}
	defer g.Leave()
	return f()
}

// Shut closes g as Close does and, when this call closed it, runs
// release, which frees what the store holds, and returns its error: the
// resources are released once, after the calls in flight ended. Later
// calls return store.ErrClosed without running release.
func (g *Gate) Shut(release func() error) error {
	if first, err := g.Close(); !first {
		return err
	}
	return release()
}
