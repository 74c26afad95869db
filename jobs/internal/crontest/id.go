package crontest

import (
	"strings"
	"time"
)

// TickOf decodes the instant in the first 10 characters of a ULID: a
// tick's ID holds the tick's millisecond. It reports false for a string
// that is not a ULID. It is a pure function, safe from any goroutine.
func TickOf(id string) (time.Time, bool) {
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	if len(id) != 26 {
		return time.Time{}, false
	}
	var ms int64
	for _, r := range id[:10] {
		d := strings.IndexRune(crockford, r)
		if d < 0 {
			return time.Time{}, false
		}
		ms = ms<<5 | int64(d)
	}
	return time.UnixMilli(ms), true
}
