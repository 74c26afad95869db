package jobs

import (
	"sync"

	spindle "github.com/spindlehq/spindle"
)

// settled is an outcome that is set once, shared by the handle types: a
// channel closed when it is set, and hooks run then, so that a group or
// a chord settles when its parts do without a goroutine waiting on them.
// Its methods are safe for concurrent use.
type settled[T any] struct {
	done chan struct{}

	mu    sync.Mutex
	set   bool
	val   T
	err   error
	hooks []func()
}

func newSettled[T any]() settled[T] { return settled[T]{done: make(chan struct{})} }

// settle records the outcome, closes done and runs the hooks, once; it
// reports whether this call was the one.
func (s *settled[T]) settle(v T, err error) bool {
	s.mu.Lock()
	if s.set {
		s.mu.Unlock()
		return false
	}
	s.set, s.val, s.err = true, v, err
	hooks := s.hooks
	s.hooks = nil
	close(s.done)
	s.mu.Unlock()
	for _, h := range hooks {
		h()
	}
	return true
}

// get returns the outcome, or the zero value and spindle.ErrNotDone
// before it is set.
func (s *settled[T]) get() (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.set {
		var zero T
		return zero, spindle.ErrNotDone
	}
	return s.val, s.err
}

// isSet reports whether the outcome is set.
func (s *settled[T]) isSet() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// then runs fn once the outcome is set: at once if it is, else in the
// goroutine that sets it. fn must not block.
func (s *settled[T]) then(fn func()) {
	s.mu.Lock()
	if !s.set {
		s.hooks = append(s.hooks, fn)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	fn()
}

// releaseAll returns a func that calls every release once.
func releaseAll(releases []func()) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			for _, r := range releases {
				r()
			}
		})
	}
}
