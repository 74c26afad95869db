package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Acquire takes or renews l.Key for l.Owner until l.Until, in one script,
// so two callers anywhere never both hold a key: it succeeds when the key
// is free (absent, or its Until is not after now) or held by l.Owner
// (whose Until and Data are then replaced), and returns the holder after
// the call. Key and Owner must not be empty and Until must be after now.
// ctx bounds the call.
func (s *core) Acquire(ctx context.Context, l store.Lease, now time.Time) (store.Lease, bool, error) {
	res, err := acquireScript.run(ctx, s, l.Key, l.Owner, string(l.Data), msAlways(l.Until), msAlways(now)).Slice()
	if err != nil {
		return store.Lease{}, false, opErr(ctx, "acquire "+l.Key, err)
	}
	if len(res) != 4 {
		return store.Lease{}, false, fmt.Errorf("redis: acquire %s: unexpected reply %v", l.Key, res)
	}
	h := leaseOf(l.Key, res[1], res[2], res[3])
	return h, int64Of(res[0]) == 1, nil
}

func leaseOf(key string, owner, data, until any) store.Lease {
	o, _ := owner.(string)
	d, _ := data.(string)
	u, _ := until.(string)
	l := store.Lease{Key: key, Owner: o, Until: fromMs(u)}
	if d != "" {
		l.Data = []byte(d)
	}
	return l
}

// Release deletes key if owner holds it, or whoever holds it when owner
// is "", and reports whether it deleted a lease. ctx bounds the call.
func (s *core) Release(ctx context.Context, key, owner string) (bool, error) {
	n, err := releaseScript.run(ctx, s, key, owner).Int64()
	if err != nil {
		return false, opErr(ctx, "release "+key, err)
	}
	return n == 1, nil
}

// Leases lists the leases live at now whose key starts with prefix, in
// key order, from a sorted index of lease keys. ctx bounds the call.
func (s *core) Leases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error) {
	lo, hi := lexRange(prefix)
	res, err := leasesScript.run(ctx, s, lo, hi, msAlways(now)).Slice()
	if err != nil {
		return nil, opErr(ctx, "leases", err)
	}
	var out []store.Lease
	for i := 0; i+3 < len(res); i += 4 {
		k, _ := res[i].(string)
		out = append(out, leaseOf(k, res[i+1], res[i+2], res[i+3]))
	}
	return out, nil
}

// lexRange returns ZRANGEBYLEX bounds selecting the members that start
// with prefix.
func lexRange(prefix string) (lo, hi string) {
	if prefix == "" {
		return "-", "+"
	}
	// The least string above every one with the prefix: the prefix with
	// its last byte below 0xff incremented, the bytes after it dropped.
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return "[" + prefix, "(" + string(b[:i+1])
		}
	}
	return "[" + prefix, "+"
}

// Count adds one to counter key and returns the new value, restarting an
// absent or expired counter at 1 with until as its expiry, in one script.
// ctx bounds the call.
func (s *core) Count(ctx context.Context, key string, until, now time.Time) (int64, error) {
	n, err := countScript.run(ctx, s, key, msAlways(until), msAlways(now)).Int64()
	if err != nil {
		return 0, opErr(ctx, "count "+key, err)
	}
	return n, nil
}
