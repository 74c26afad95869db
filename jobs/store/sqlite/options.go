package sqlite

import (
	"fmt"
	"time"
)

// Option configures [Open].
type Option func(*options) error

type options struct {
	busyTimeout   time.Duration
	watchInterval time.Duration
	readConns     int
}

func defaultOptions() options {
	return options{
		busyTimeout:   5 * time.Second,
		watchInterval: 5 * time.Millisecond,
		readConns:     4,
	}
}

// WithBusyTimeout bounds how long a call waits for another connection or
// process that holds the write lock before it fails with SQLITE_BUSY. The
// wait also ends when the call's ctx does. Default 5s; at least 1ms.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < time.Millisecond {
			return fmt.Errorf("sqlite: WithBusyTimeout(%v): want at least 1ms", d)
		}
		o.busyTimeout = d
		return nil
	}
}

// WithWatchInterval sets how often the store checks whether another
// process changed the database (PRAGMA data_version), while anyone waits
// on [Store.Ready] or [Store.Finished]. It bounds how late a process hears
// of work enqueued or finished elsewhere; changes made through this Store
// are signalled at once regardless. Default 5ms; at least 100µs.
func WithWatchInterval(d time.Duration) Option {
	return func(o *options) error {
		if d < 100*time.Microsecond {
			return fmt.Errorf("sqlite: WithWatchInterval(%v): want at least 100µs", d)
		}
		o.watchInterval = d
		return nil
	}
}

// WithReadConnections sets the size of the read connection pool used by
// Get, List and the other read-only calls. Default 4; at least 1.
func WithReadConnections(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("sqlite: WithReadConnections(%d): want at least 1", n)
		}
		o.readConns = n
		return nil
	}
}
