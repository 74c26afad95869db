package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/spindlehq/spindle/jobs/internal/redact"
)

// Driver opens a [Store] from a URL. A driver package registers one in its
// init function, so that importing it, even as _, makes its schemes work
// in jobs.Open (the idiom of database/sql).
type Driver interface {
	// Open opens the store the whole url names (scheme included). It may
	// be called from any goroutine, and honours ctx while it connects or
	// migrates. Its errors say what was
	// wrong and what the driver accepts; jobs.Open redacts passwords from
	// them.
	Open(ctx context.Context, url string) (Store, error)
}

// DriverFunc makes a Driver of a store's opener. The store comes back as
// a Store only when open succeeded, so a failed open never yields a
// non-nil Store that holds a nil pointer, and the error starts with
// "open URL: ", the URL's secrets masked wherever they appear.
func DriverFunc[S Store](open func(ctx context.Context, url string) (S, error)) Driver {
	return driverFunc[S](open)
}

type driverFunc[S Store] func(ctx context.Context, url string) (S, error)

func (f driverFunc[S]) Open(ctx context.Context, url string) (Store, error) {
	s, err := f(ctx, url)
	if err != nil {
		return nil, redact.Error(fmt.Errorf("open %s: %w", url, err), url)
	}
	return s, nil
}

var registry struct {
	mu      sync.RWMutex
	drivers map[string]Driver
	list    []Driver // each registered driver once, in registration order
}

// Register makes d open URLs whose scheme is one of schemes (matched
// without regard to case, written without the colon). It panics when d is
// nil or a scheme is empty or already registered, as database/sql does:
// both are programming errors found at start-up. It is safe for
// concurrent use, but is meant for init functions.
func Register(d Driver, schemes ...string) {
	if d == nil {
		panic("store: Register of a nil driver")
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.drivers == nil {
		registry.drivers = make(map[string]Driver)
	}
	for _, s := range schemes {
		s = strings.ToLower(s)
		if s == "" || strings.ContainsAny(s, ":/") {
			panic(fmt.Sprintf("store: Register: scheme %q: want a bare URL scheme such as \"sqlite\"", s))
		}
		if _, dup := registry.drivers[s]; dup {
			panic("store: Register called twice for scheme " + s)
		}
		registry.drivers[s] = d
	}
	registry.list = append(registry.list, d)
}

// Lookup returns the driver registered for scheme (any case), if any. It
// is safe for concurrent use.
func Lookup(scheme string) (Driver, bool) {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	d, ok := registry.drivers[strings.ToLower(scheme)]
	return d, ok
}

// Schemes lists the registered schemes in order. It is safe for
// concurrent use.
func Schemes() []string {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	out := make([]string, 0, len(registry.drivers))
	for s := range registry.drivers {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Drivers returns each registered driver once, in registration order.
// Tools use it to reach optional interfaces a driver implements (see
// [ClientLogQuieter]). It is safe for concurrent use.
func Drivers() []Driver {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	return slices.Clone(registry.list)
}

// ClientLogQuieter is implemented by drivers whose client library logs to
// stderr on its own (go-redis does, process-wide). A command-line tool
// that reports a store it cannot reach in one line of its own calls
// QuietClientLog once, before opening stores; a library never should,
// since the setting is process-wide.
type ClientLogQuieter interface {
	QuietClientLog()
}
