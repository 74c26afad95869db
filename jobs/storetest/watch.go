package storetest

import (
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
)

// Ready watches queues on s until t ends, and returns the watch's channel
// (nil when s cannot push). It is for a store's own tests.
func Ready(t testing.TB, s store.Notifier, queues []string) <-chan struct{} {
	ch, stop := s.Ready(queues)
	t.Cleanup(stop)
	return ch
}

// Revoked watches revokes on s until t ends, and returns the watch's
// channel (nil when s cannot push). It is for a store's own tests.
func Revoked(t testing.TB, s store.Notifier) <-chan struct{} {
	ch, stop := s.Revoked()
	t.Cleanup(stop)
	return ch
}
