package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/spindlehq/spindle/jobs/internal/redact"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/front"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// core is the store's state and its work (front.Work): the methods
// Contract calls once it has admitted a call and checked its arguments.
type core struct {
	rdb   goredis.UniversalClient
	owned bool // Close closes rdb
	ns    string
	k     keys

	readRetry time.Duration // see WithReadRetry

	notify *notifier

	// amongEach: the server refused the SORT of FinishedAmong (a Redis
	// Cluster), which checks jobs one HGET each from then on.
	amongEach atomic.Bool

	queuesSeen sync.Map // queue -> when Insert last registered it (UnixNano)
}

var (
	_ store.Store = (*Store)(nil)
	_ front.Work  = (*core)(nil)
)

// Open connects to the Redis named by url and returns a store in the
// namespace the url or opts name (default "spindle").
//
//	redis://127.0.0.1:6379/0                   database 0 on a local server
//	redis://user:secret@redis.internal:6379/2  AUTH as user with a password
//	rediss://redis.example.com:6380/0          TLS (certificate verified)
//	redis://127.0.0.1:6379/0?namespace=billing a namespace of its own
//
// Besides namespace and read_retry (see [WithReadRetry]), the query may
// carry go-redis's connection options
// (pool_size, dial_timeout, read_timeout, max_retries, skip_verify with
// rediss, and the others redis.ParseURL accepts). Errors never include the
// password.
//
// Open checks that the server answers before it returns; ctx bounds that
// check, not the Store's life. The store subscribes to events only when
// it gets its first Ready, Finished or Revoked watcher. Close the Store to
// release its connections and goroutine.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o, ropts, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	if err := storecheck.Options(&o, opts); err != nil {
		return nil, err
	}
	ropts.ContextTimeoutEnabled = true
	rdb := goredis.NewClient(ropts)
	s, err := newStore(ctx, rdb, true, o)
	if err != nil {
		return nil, fmt.Errorf("redis: open %s: %w", redact.Text(url), err)
	}
	return s, nil
}

// New returns a store that uses a client the caller made (a standalone,
// Sentinel-backed or Cluster client) and keeps owning: Close on the Store
// leaves rdb open. Like [Open] it checks that the server answers; ctx
// bounds that.
func New(ctx context.Context, rdb goredis.UniversalClient, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, errors.New("redis: New: nil client")
	}
	o := defaultOptions()
	if err := storecheck.Options(&o, opts); err != nil {
		return nil, err
	}
	return newStore(ctx, rdb, false, o)
}

func newStore(ctx context.Context, rdb goredis.UniversalClient, owned bool, o options) (*Store, error) {
	c := &core{rdb: rdb, owned: owned, ns: o.namespace, k: newKeys(o.namespace), readRetry: o.readRetry}
	fail := func(err error) (*Store, error) {
		if owned {
			rdb.Close()
		}
		return nil, err
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		if ctx.Err() != nil {
			return fail(context.Cause(ctx))
		}
		// A reply (WRONGPASS, "DB index is out of range") is an answer:
		// only a connection that failed is silence.
		var reply goredis.Error
		if errors.As(err, &reply) {
			return fail(fmt.Errorf("the server refused: %w", err))
		}
		return fail(fmt.Errorf("the server does not answer: %w", err))
	}
	c.notify = newNotifier(c)
	s := &Store{inner: inner{c}}
	front.Init(&s.Contract, "redis", maxClaimQueues, c)
	return s, nil
}

// Namespace reports the key namespace the store uses. Safe for concurrent
// use, also after Close.
func (s *Store) Namespace() string { return s.ns }

// Close waits for the calls in flight (they end when their ctx does),
// then stops the event subscription, wakes every Ready, Finished and
// Revoked channel (so waiters notice and get ErrClosed on their next
// call) and, if [Open] made the client, closes it. Later calls, Close
// included, return store.ErrClosed.
//
// The gate and the waiting are Store's (front.Contract); this is the
// release, run once.
func (s *core) Close() error {
	s.notify.close()
	if !s.owned {
		return nil
	}
	if err := s.rdb.Close(); err != nil {
		return fmt.Errorf("redis: close: %w", err)
	}
	return nil
}

// opErr wraps a failed call: the cause of a canceled ctx, or the Redis
// error, named by the operation and marked store.ErrRejected when
// repeating the call cannot cure it.
func opErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("redis: %s: %w", op, context.Cause(ctx))
	}
	if rejectedReply(err) {
		return fmt.Errorf("redis: %s: %w: %w", op, store.ErrRejected, err)
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}

// rejectedReply reports whether err is an error reply that the same
// command gets again: a script that failed on the data, a value over a
// limit, a key of the wrong type. A server that is loading, busy, out of
// memory, read-only or full of clients answers otherwise (LOADING, BUSY,
// OOM, READONLY...) and may accept the command later; a connection that
// failed is no reply at all.
func rejectedReply(err error) bool {
	var re goredis.Error
	if !errors.As(err, &re) {
		return false
	}
	msg := re.Error()
	return strings.HasPrefix(msg, "WRONGTYPE ") ||
		strings.HasPrefix(msg, "ERR ") && !strings.HasPrefix(msg, "ERR max number of clients")
}
