package jobs

import (
	"fmt"
	"unicode/utf8"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
)

// DefaultMaxResult is the largest encoded result a worker records unless
// [WithMaxResult] says otherwise: 1 MiB, as for arguments. Every Await,
// inspection and notification of the job reads the result again.
const DefaultMaxResult = 1 << 20

// DefaultMaxErrorText is the most bytes of an attempt's error text a
// worker records unless [WithMaxErrorText] says otherwise: 64 KiB, room
// for a panic's stack trace. Longer text is cut, not refused.
const DefaultMaxErrorText = 64 << 10

// minErrorText leaves room for the truncation note and some text.
const minErrorText = 256

// WithMaxResult sets the largest JSON-encoded result, in bytes, that
// workers on this client record. A handler whose result is bigger fails
// permanently (the job is dead-lettered: running it again makes the same
// result) with an error naming both sizes and this option; its result is
// not stored, and the other outcomes of the worker are recorded as usual.
// Default [DefaultMaxResult]; n must be at least 1. Like the other
// options it is applied by [New] or [Open] and fixed for the client's
// life.
func WithMaxResult(n int) Option {
	return func(c *Client) error {
		if n < 1 {
			return fmt.Errorf("jobs: WithMaxResult(%d): want at least 1 byte", n)
		}
		c.maxResult = n
		return nil
	}
}

// WithMaxErrorText sets the most bytes of error text that workers on this
// client record for a failed, revoked or expired attempt. Longer text is
// cut at a character boundary and ends with a note giving its full length
// and this option; the attempt's fate is the same either way. The limit
// counts the text as stored, after NUL bytes and invalid UTF-8 are
// escaped (see store.Store.Finish). Default [DefaultMaxErrorText]; n must
// be at least 256, room for the note. Applied by [New] or [Open] and fixed
// for the client's life.
func WithMaxErrorText(n int) Option {
	return func(c *Client) error {
		if n < minErrorText {
			return fmt.Errorf("jobs: WithMaxErrorText(%d): want at least %d bytes, room for the note that marks a cut", n, minErrorText)
		}
		c.maxErrorText = n
		return nil
	}
}

// checkResult refuses a result over the client's limit, as a permanent
// failure of the job that made it: the batch it would have been recorded
// in must not carry it.
func (c *Client) checkResult(name string, res []byte) error {
	limit := orDefault(c.maxResult, DefaultMaxResult)
	if len(res) > limit {
		return Permanent(fmt.Errorf("jobs: result of job %q is %d bytes encoded, over the limit of %d (set with jobs.WithMaxResult); store large output elsewhere and return a reference to it", name, len(res), limit))
	}
	return nil
}

// errorText is msg as the stores keep it (storetext.Clean), cut to the
// client's limit. Cleaning first makes the limit bound what is stored.
func (c *Client) errorText(msg string) string {
	limit := orDefault(c.maxErrorText, DefaultMaxErrorText)
	msg = storetext.Clean(msg)
	if len(msg) <= limit {
		return msg
	}
	note := fmt.Sprintf(" … [truncated: %d bytes of error text in all, over the limit of %d set with jobs.WithMaxErrorText]", len(msg), limit)
	cut := limit - len(note)
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + note
}

// orDefault is n, or def for a limit left unset (0).
func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}
