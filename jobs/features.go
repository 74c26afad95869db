package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
)

// featureConfig is the part of a job's configuration that the features
// layered on the store use (expiry, uniqueness, locks, rate limits). It
// holds values only, so copying a jobConfig copies it safely.
type featureConfig struct {
	expires    time.Duration // relative to enqueue
	expiresAt  time.Time
	uniqueKey  string
	uniqueArgs bool
	uniqueTTL  time.Duration
	lock       string
	lockArgs   bool
	lockSkip   bool
	lockWait   time.Duration
	rateN      int64
	ratePer    time.Duration
	id         string // pre-assigned (cron ticks)
}

// Expires drops a job that has not started within d of its enqueue: the
// worker that claims it later records it as Expired instead of running it
// (event [EventExpired]), and any worker's recovery sweep does the same
// for jobs nobody claims. Awaiting it returns a [*JobError] matching
// [ErrExpired]. A delayed job's expiry still counts from its enqueue, and
// a job waiting for a retry when its expiry passes is dropped too.
// Zero (the default) never expires. Like [ExpiresAt], the expiry must
// fall by 2262-04-11T23:47:16Z, the latest time every store holds, or
// the enqueue fails.
func Expires(d time.Duration) JobOption {
	return optFunc(func(c *jobConfig) {
		if d < 0 {
			c.fail(fmt.Errorf("jobs: Expires(%v): want 0 (never) or more", d))
			return
		}
		c.feat.expires, c.feat.expiresAt = d, time.Time{}
	})
}

// ExpiresAt drops the job if it has not started by t; see [Expires].
func ExpiresAt(t time.Time) EnqueueOption {
	return enqFunc(func(c *enqueueConfig) { c.feat.expiresAt, c.feat.expires = t.UTC(), 0 })
}

// Unique makes the enqueue a no-op while a job enqueued with the same key
// (for the same definition) was enqueued less than ttl ago and has not
// finished: Enqueue then returns the existing job's handle with an error
// matching [ErrDuplicate] (a [*DuplicateError]), so the caller can await
// the job already there. The job holds the key "NAME:KEY" (its
// UniqueKey) from the write that stores it until it is final or ttl has
// passed since its enqueue, whichever comes first; checking the key and
// storing the job are one atomic store operation, so of concurrent
// enqueues with one key, in any processes, exactly one stores a job.
// The key must be valid UTF-8 without NUL bytes, and ttl positive; the
// hold must end by 2262-04-11T23:47:16Z, the latest time every store
// holds: a longer ttl is an error of the enqueue.
func Unique(key string, ttl time.Duration) EnqueueOption {
	return enqFunc(func(c *enqueueConfig) {
		if key == "" || ttl <= 0 || !storetext.IsClean(key) {
			c.fail(fmt.Errorf("jobs: Unique(%q, %v): want a non-empty key of valid UTF-8 without NUL bytes (stores keep it as text) and a positive ttl", key, ttl))
			return
		}
		c.feat.uniqueKey, c.feat.uniqueArgs, c.feat.uniqueTTL = key, false, ttl
	})
}

// UniqueArgs is [Unique] with the key derived from the arguments: a hash
// of their canonical JSON (object keys sorted, no insignificant space),
// so equal arguments are duplicates however they were built.
func UniqueArgs(ttl time.Duration) JobOption {
	return optFunc(func(c *jobConfig) {
		if ttl <= 0 {
			c.fail(fmt.Errorf("jobs: UniqueArgs(%v): want a positive ttl", ttl))
			return
		}
		c.feat.uniqueKey, c.feat.uniqueArgs, c.feat.uniqueTTL = "", true, ttl
	})
}

// Lock makes jobs that name the same lock run one at a time across every
// worker (Huey's lock_task). The worker takes the lease "lock:NAME" (owner
// the job's ID) before the handler runs, renews it with each heartbeat and
// releases it when the attempt ends; a worker that dies holding it frees
// it when the lease expires. A job that finds the lock taken emits
// [EventLocked] and, by default, is deferred without spending an attempt
// (see [LockRetry]); with [LockSkip] it is cancelled instead. name
// follows the rules of job names.
func Lock(name string) JobOption {
	return optFunc(func(c *jobConfig) {
		if err := checkName("lock name", name); err != nil {
			c.fail(err)
			return
		}
		c.feat.lock, c.feat.lockArgs = name, false
	})
}

// LockArgs is [Lock] with the lock named by the definition and a hash of
// the arguments: jobs with equal arguments run one at a time.
func LockArgs() JobOption {
	return optFunc(func(c *jobConfig) { c.feat.lock, c.feat.lockArgs = "", true })
}

// LockSkip cancels a job whose lock is taken instead of deferring it
// (Huey's behaviour without retries). Awaiting it reports a [*JobError]
// in state Canceled whose error names the lock.
func LockSkip() JobOption {
	return optFunc(func(c *jobConfig) { c.feat.lockSkip = true })
}

// LockRetry sets how long a job whose lock is taken waits before it is
// tried again (default 1s). The wait spends no attempt. A wait that
// would end after 2262-04-11T23:47:16Z, the latest time every store
// holds, counted from the enqueue, is an error of the enqueue.
func LockRetry(d time.Duration) JobOption {
	return optFunc(func(c *jobConfig) {
		if d <= 0 {
			c.fail(fmt.Errorf("jobs: LockRetry(%v): want more than 0", d))
			return
		}
		c.feat.lockWait = d
	})
}

// DefaultLockRetry is how long a job whose lock is taken waits by default.
const DefaultLockRetry = time.Second

// RateLimit lets at most n jobs of the definition start per period across
// every worker, counted in fixed windows aligned to the Unix epoch (with a
// period of a minute, windows start on the minute). A start counts in the
// window its handler is called in, by the worker's clock: a window that
// ends while the start is being counted passes it on to the next. A job
// over the limit is deferred to the end of the window without spending an
// attempt. The count is kept by the store (Leaser.Count), one round trip
// per start (two when a window ends during the first).
func RateLimit(n int, per time.Duration) DefineOption {
	return defFunc(func(c *jobConfig) {
		if n < 1 || per <= 0 {
			c.fail(fmt.Errorf("jobs: RateLimit(%d, %v): want n of at least 1 and a positive period", n, per))
			return
		}
		c.feat.rateN, c.feat.ratePer = int64(n), per
	})
}

// decorate fills in what the features need on a job built by newJob:
// expiry, retention for store-made finals, the unique key, and the
// metadata (headers, lock, signature). A job that uses none keeps a nil Meta.
func (c *Client) decorate(ctx context.Context, j *store.Job, cfg *enqueueConfig) error {
	f := &cfg.feat
	if f.id != "" {
		j.ID = f.id
	}
	ret := c.retention
	if cfg.retention != nil {
		ret = *cfg.retention
	}
	if ret > 0 {
		j.Retention = ret
	}
	switch {
	case !f.expiresAt.IsZero():
		j.ExpiresAt = f.expiresAt
	case f.expires > 0:
		j.ExpiresAt = j.EnqueuedAt.Add(f.expires)
	}
	if f.uniqueTTL > 0 {
		key := f.uniqueKey
		if f.uniqueArgs {
			sum, err := argsHash(j.Args)
			if err != nil {
				return err
			}
			key = sum
		}
		j.UniqueKey = j.Name + ":" + key
		j.UniqueUntil = j.EnqueuedAt.Add(f.uniqueTTL)
	}
	if f.lock == "" && !f.lockArgs && len(c.onEnqueue) == 0 && c.signer == nil {
		return nil
	}
	var m jobMeta
	if len(c.onEnqueue) > 0 {
		h := make(map[string]string)
		for _, fn := range c.onEnqueue {
			fn(ctx, h)
		}
		if len(h) > 0 {
			m.Headers = h
		}
	}
	if f.lock != "" || f.lockArgs {
		name := f.lock
		if f.lockArgs {
			sum, err := argsHash(j.Args)
			if err != nil {
				return err
			}
			name = j.Name + ":" + sum
		}
		m.Lock = "lock:" + name
		m.LockSkip = f.lockSkip
		m.LockWait = int64(f.lockWait)
	}
	if c.signer != nil {
		m.Sig = c.signer.sign(j.ID, j.Name, j.Args)
	}
	raw, err := encodeMeta(&m)
	if err != nil {
		return err
	}
	j.Meta = raw
	return nil
}

// argsHash is the SHA-256 of the canonical JSON of args, in hex: encoding
// the decoded value again sorts object keys and drops space, and numbers
// keep their digits.
func argsHash(args []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(args))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", fmt.Errorf("arguments %s are not valid JSON: %v", clip(args, 200), err)
	}
	canon, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("arguments do not encode as canonical JSON: %v", err)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:16]), nil
}
