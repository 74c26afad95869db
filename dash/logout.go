package dash

import (
	"sync"
	"time"
)

// maxEnded bounds the memory of ended sessions (about 100 bytes each).
const maxEnded = 10_000

// endedSessions remembers the sessions ended by a logout until they
// would have expired anyway, so that a copy of a logged-out cookie (kept
// by malware, a shared machine, a proxy log) does not log back in.
// Reaching maxEnded ends every session issued so far instead, which
// keeps the promise and the bound. Safe for concurrent use.
type endedSessions struct {
	mu    sync.Mutex
	until map[string]int64 // session payload → its expiry, Unix seconds
	// before: every session expiring at or before it has ended, all those
	// issued up to the last reset.
	before int64
}

func (e *endedSessions) add(p string, exp int64, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.until == nil {
		e.until = make(map[string]int64)
	}
	if len(e.until) >= maxEnded {
		for k, x := range e.until {
			if x <= now.Unix() {
				delete(e.until, k)
			}
		}
	}
	if len(e.until) >= maxEnded {
		e.until = make(map[string]int64)
		e.before = now.Add(sessionTTL).Unix()
		return
	}
	e.until[p] = exp
}

func (e *endedSessions) has(p string, exp int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.until[p]
	return ok || exp <= e.before
}
