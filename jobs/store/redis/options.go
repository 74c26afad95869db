package redis

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/spindlehq/spindle/jobs/internal/redact"
)

// DefaultNamespace is the key namespace used when none is given.
const DefaultNamespace = "spindle"

// Option configures [Open] and [New].
type Option func(*options) error

type options struct {
	namespace string
	readRetry time.Duration
}

func defaultOptions() options {
	return options{namespace: DefaultNamespace, readRetry: DefaultReadRetry}
}

// DefaultReadRetry is how long Get keeps retrying while Redis cannot be
// reached, unless [WithReadRetry] says otherwise.
const DefaultReadRetry = 30 * time.Second

// WithReadRetry sets how long Get keeps trying, with backoff, while Redis
// cannot be reached (a restart, a failover), so that handles awaiting
// jobs ride out the outage; a canceled ctx still ends it at once. Zero
// fails at the first connection error. Writes are never retried by the
// store: their callers (workers, Enqueue) see the error. Default
// [DefaultReadRetry]; a URL sets it with ?read_retry=10s.
func WithReadRetry(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("redis: WithReadRetry(%v): want zero or more", d)
		}
		o.readRetry = d
		return nil
	}
}

var namespaceRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

const namespaceRule = "1 to 64 letters, digits, '.', '_', ':' or '-'"

// WithNamespace sets the key namespace, so several applications (or
// environments) share one Redis without seeing each other's jobs. Every
// key of the store starts with "{namespace}:", which is also the Redis
// Cluster hash tag. Default [DefaultNamespace]. It overrides a namespace
// given in the URL.
func WithNamespace(ns string) Option {
	return func(o *options) error {
		if !namespaceRE.MatchString(ns) {
			return fmt.Errorf("redis: namespace %q is not valid: want %s", ns, namespaceRule)
		}
		o.namespace = ns
		return nil
	}
}

// parseURL splits a store URL into the store's own options (the namespace
// query parameter) and go-redis's. Errors name what was wrong without
// the password.
func parseURL(raw string) (options, *goredis.Options, error) {
	o := defaultOptions()
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, password included: keep only
		// its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return o, nil, fmt.Errorf("redis: URL %s does not parse: %v; want %s", redact.Text(raw), err, urlForm)
	}
	switch u.Scheme {
	case "redis", "rediss":
	default:
		return o, nil, fmt.Errorf("redis: URL %s: scheme %q; want %s", u.Redacted(), u.Scheme, urlForm)
	}
	if u.Host == "" {
		return o, nil, fmt.Errorf("redis: URL %q names no host; want %s", redact.Text(raw), urlForm)
	}
	q := u.Query()
	if ns, ok := q["namespace"]; ok {
		if len(ns) != 1 || !namespaceRE.MatchString(ns[0]) {
			return o, nil, fmt.Errorf("redis: URL %s: namespace %q is not valid: want %s", u.Redacted(), strings.Join(ns, ","), namespaceRule)
		}
		o.namespace = ns[0]
		q.Del("namespace")
	}
	if rr, ok := q["read_retry"]; ok {
		d, err := time.ParseDuration(strings.Join(rr, ","))
		if err != nil || d < 0 || len(rr) != 1 {
			return o, nil, fmt.Errorf("redis: URL %s: read_retry %q is not valid: want a duration of zero or more, such as 10s", u.Redacted(), strings.Join(rr, ","))
		}
		o.readRetry = d
		q.Del("read_retry")
	}
	u.RawQuery = q.Encode()
	ropts, err := goredis.ParseURL(u.String())
	if err != nil {
		return o, nil, fmt.Errorf("redis: URL %s: %v; want %s", u.Redacted(), err, urlForm)
	}
	if !q.Has("protocol") {
		// RESP2: the store needs nothing RESP3 adds, and go-redis then
		// skips its per-command checks for pushed notifications (a
		// syscall each).
		ropts.Protocol = 2
	}
	if !q.Has("max_retries") {
		// go-redis would send a command again after a lost reply; a claim
		// run twice leases jobs nobody works on. The store's callers retry
		// what is safe to retry (Get does it itself, workers loop).
		ropts.MaxRetries = -1
	}
	return o, ropts, nil
}

const urlForm = `redis://[user:password@]host[:port][/db][?namespace=NAME&read_retry=30s&pool_size=N...] or rediss://... for TLS`
