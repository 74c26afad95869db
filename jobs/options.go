package jobs

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"time"
)

// DefineOption configures a [Definition]; see [Define].
type DefineOption interface{ applyDefine(*jobConfig) }

// EnqueueOption configures one enqueue; see [Definition.Enqueue].
type EnqueueOption interface{ applyEnqueue(*enqueueConfig) }

// JobOption is accepted both by [Define], as the definition's default,
// and by [Definition.Enqueue], for one job.
type JobOption interface {
	DefineOption
	EnqueueOption
}

// jobConfig is what a definition sets for its jobs.
type jobConfig struct {
	queue       string
	priority    int
	maxAttempts int
	retention   *time.Duration
	backoff     func(attempt int) time.Duration
	timeout     time.Duration
	feat        featureConfig // expiry, uniqueness, locks, rate limits: features.go
	err         error         // the first bad option
}

// enqueueConfig is what one enqueue overrides.
type enqueueConfig struct {
	jobConfig
	delay time.Duration
	at    time.Time
}

// Defaults of every definition.
const (
	DefaultQueue       = "default"
	DefaultMaxAttempts = 4 // the first run and three retries
	DefaultRetryBase   = time.Second
	DefaultRetryMax    = time.Hour
)

type optFunc func(*jobConfig)

func (f optFunc) applyDefine(c *jobConfig)      { f(c) }
func (f optFunc) applyEnqueue(c *enqueueConfig) { f(&c.jobConfig) }

type enqFunc func(*enqueueConfig)

func (f enqFunc) applyEnqueue(c *enqueueConfig) { f(c) }

type defFunc func(*jobConfig)

func (f defFunc) applyDefine(c *jobConfig) { f(c) }

func (c *jobConfig) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$`)

const nameRule = "1 to 128 characters of letters, digits and _ . : / -, starting with a letter or digit"

// checkName refuses a name that breaks nameRule. The error quotes a long
// name only in part: names reach it from dashboards and command lines,
// and a 10 KB error helps nobody.
func checkName(what, name string) error {
	if !nameRE.MatchString(name) {
		if len(name) > 64 {
			return fmt.Errorf("jobs: %s %q (%d bytes) is not valid: want %s", what, clip([]byte(name), 64), len(name), nameRule)
		}
		return fmt.Errorf("jobs: %s %q is not valid: want %s", what, name, nameRule)
	}
	return nil
}

// Queue puts jobs in the named queue (default "default"). Workers take
// from the queues they are given; see [WorkerOptions.Queues].
func Queue(name string) JobOption {
	return optFunc(func(c *jobConfig) {
		if err := checkName("queue name", name); err != nil {
			c.fail(err)
			return
		}
		c.queue = name
	})
}

// MinPriority and MaxPriority bound what [Priority] accepts: the range
// every store keeps as given, since PostgreSQL holds priorities in a
// 32-bit integer column. They are constants, safe from any goroutine.
const (
	MinPriority = math.MinInt32
	MaxPriority = math.MaxInt32
)

// Priority orders jobs within the queues a worker takes from: higher runs
// first; equal priorities run in the order they became ready. Default 0.
// p must lie in [MinPriority, MaxPriority]; another is an error of the
// enqueue (a panic of [Define]). Like every option, the returned value is
// immutable and may be shared between goroutines.
func Priority(p int) JobOption {
	return optFunc(func(c *jobConfig) {
		if p < MinPriority || p > MaxPriority {
			c.fail(fmt.Errorf("jobs: Priority(%d): want %d to %d", p, MinPriority, MaxPriority))
			return
		}
		c.priority = p
	})
}

// Retries sets how many times a failed job is tried again (Huey's
// retries); the job runs at most n+1 times. Default 3. A worker that dies
// mid-job uses up an attempt too, so Retries(0) means such a job is
// dead-lettered rather than run again.
func Retries(n int) JobOption {
	return optFunc(func(c *jobConfig) {
		if n < 0 || n > math.MaxInt32-1 {
			c.fail(fmt.Errorf("jobs: Retries(%d): want 0 or more", n))
			return
		}
		c.maxAttempts = n + 1
	})
}

// Retention sets how long a finished job and its result stay in the
// store after it finishes; workers prune them afterwards. Zero or less
// keeps them until deleted. Default [DefaultRetention] (or the client's
// [WithRetention]).
func Retention(d time.Duration) JobOption {
	return optFunc(func(c *jobConfig) { c.retention = &d })
}

// RetryBackoff sets exponential backoff between attempts: the wait after
// attempt n is base*2^(n-1), capped at max, with jitter that spreads it
// uniformly over [wait/2, wait] so failing jobs do not retry in lockstep.
// Default base 1s, max 1h.
func RetryBackoff(base, max time.Duration) DefineOption {
	return defFunc(func(c *jobConfig) {
		if base <= 0 || max < base {
			c.fail(fmt.Errorf("jobs: RetryBackoff(%v, %v): want 0 < base <= max", base, max))
			return
		}
		c.backoff = func(attempt int) time.Duration { return jitteredBackoff(base, max, attempt, rand.Float64) }
	})
}

// RetryDelay sets the wait after failed attempt n (1 for the first run)
// to fn(n), for a schedule of your own (Huey's retry_delay is
// RetryDelay(func(int) time.Duration { return d })). fn is called from
// worker goroutines and must be safe for concurrent use.
func RetryDelay(fn func(attempt int) time.Duration) DefineOption {
	return defFunc(func(c *jobConfig) {
		if fn == nil {
			c.fail(fmt.Errorf("jobs: RetryDelay(nil): want a function"))
			return
		}
		c.backoff = fn
	})
}

// Timeout bounds one attempt: the handler's ctx ends with a cause saying
// so after d, and the attempt counts as failed. Zero (the default) sets
// no bound.
func Timeout(d time.Duration) DefineOption {
	return defFunc(func(c *jobConfig) {
		if d < 0 {
			c.fail(fmt.Errorf("jobs: Timeout(%v): want 0 (none) or more", d))
			return
		}
		c.timeout = d
	})
}

// Delay makes the job ready d from now instead of at once. The job must
// be ready by 2262-04-11T23:47:16Z, the latest time every store holds;
// a longer delay is an error of the enqueue.
func Delay(d time.Duration) EnqueueOption {
	return enqFunc(func(c *enqueueConfig) {
		if d < 0 {
			c.fail(fmt.Errorf("jobs: Delay(%v): want 0 or more", d))
			return
		}
		c.delay = d
	})
}

// At makes the job ready at t (Huey's eta). A time in the past means at
// once; a time after 2262-04-11T23:47:16Z, the latest every store holds,
// is an error of the enqueue.
func At(t time.Time) EnqueueOption {
	return enqFunc(func(c *enqueueConfig) { c.at = t })
}

// jitteredBackoff is base*2^(attempt-1) capped at max, spread over
// [wait/2, wait] by rnd (a value in [0, 1)).
func jitteredBackoff(base, max time.Duration, attempt int, rnd func() float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	wait := max
	if attempt <= 62 {
		if w := base << (attempt - 1); w > 0 && w < max && w>>(attempt-1) == base {
			wait = w
		}
	}
	half := wait / 2
	return half + time.Duration(rnd()*float64(wait-half))
}

func jitteredBackoffRand(base, max time.Duration, attempt int) time.Duration {
	return jitteredBackoff(base, max, attempt, rand.Float64)
}
