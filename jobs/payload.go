package jobs

import "fmt"

// DefaultMaxPayload is the largest encoded arguments a client enqueues
// unless [WithMaxPayload] says otherwise: 1 MiB. Jobs carry references to
// large data (a path, a URL, a key), not the data: every claim, retry and
// inspection reads the payload again.
const DefaultMaxPayload = 1 << 20

// WithMaxPayload sets the largest JSON-encoded arguments, in bytes, that
// Enqueue and Map accept; bigger ones are refused with an error naming
// both sizes and nothing is stored. Default [DefaultMaxPayload]; n must
// be at least 1.
func WithMaxPayload(n int) Option {
	return func(c *Client) error {
		if n < 1 {
			return fmt.Errorf("jobs: WithMaxPayload(%d): want at least 1 byte", n)
		}
		c.maxPayload = n
		return nil
	}
}

// checkPayload refuses arguments over the client's limit.
func (c *Client) checkPayload(name string, raw []byte) error {
	limit := orDefault(c.maxPayload, DefaultMaxPayload)
	if len(raw) > limit {
		return fmt.Errorf("jobs: enqueue %q: arguments are %d bytes encoded, over the limit of %d (set with jobs.WithMaxPayload); pass a reference to large data instead", name, len(raw), limit)
	}
	return nil
}
