package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Acquire takes or renews lease l.Key for l.Owner until l.Until, in one
// transaction, so two callers (goroutines, Stores or processes) never both
// hold a key. It succeeds when the key is free (absent, or its Until is
// not after now) or already held by l.Owner, whose Until and Data are then
// replaced, and returns l; otherwise it returns the current holder and
// false. Key and Owner must not be empty and Until must be after now.
// ctx cancels it.
func (s *core) Acquire(ctx context.Context, l store.Lease, now time.Time) (store.Lease, bool, error) {
	var holder store.Lease
	var ok bool
	err := s.writeTx(ctx, func(ctx context.Context) error {
		n, err := execCount(ctx, s.ws.acquire, l.Key, l.Owner, nullBytes(l.Data), nanos(l.Until), nanos(now))
		if err != nil {
			return err
		}
		if ok = n > 0; ok {
			return nil
		}
		var until int64
		holder = store.Lease{Key: l.Key}
		err = s.wconn.QueryRowContext(ctx, "SELECT owner, data, until FROM leases WHERE name = ?", l.Key).
			Scan(&holder.Owner, &holder.Data, &until)
		holder.Until = fromNanos(until)
		return err
	})
	if err != nil {
		return store.Lease{}, false, s.writeErr(ctx, fmt.Sprintf("acquire %q", l.Key), err)
	}
	if ok {
		l.Data = cloneBytes(l.Data)
		return l, true, nil
	}
	return holder, false, nil
}

// Release deletes lease key if owner holds it, or whoever holds it when
// owner is "", and reports whether it deleted one. ctx cancels it.
func (s *core) Release(ctx context.Context, key, owner string) (bool, error) {
	var n int64
	err := s.writeTx(ctx, func(ctx context.Context) error {
		res, err := s.wconn.ExecContext(ctx, "DELETE FROM leases WHERE name = ? AND (? = '' OR owner = ?)", key, owner, owner)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, s.writeErr(ctx, fmt.Sprintf("release %q", key), err)
	}
	return n > 0, nil
}

// Leases lists the leases not expired at now whose key starts with
// prefix, in key order: a range scan of the leases table on the read
// pool. ctx cancels the query.
func (s *core) Leases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error) {
	q := "SELECT name, owner, data, until FROM leases WHERE name >= ? AND until > ?"
	args := []any{prefix, nanos(now)}
	if end, ok := prefixEnd(prefix); ok {
		q, args = q+" AND name < ?", append(args, end)
	}
	q += " ORDER BY name"
	var out []store.Lease
	err := s.retryBusy(ctx, func() error {
		out = out[:0]
		rows, err := s.rdb.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l store.Lease
			var until int64
			if err := rows.Scan(&l.Key, &l.Owner, &l.Data, &until); err != nil {
				return err
			}
			l.Until = fromNanos(until)
			out = append(out, l)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, s.readErr(ctx, fmt.Sprintf("leases %q", prefix), err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// prefixEnd returns the least string greater than every string starting
// with prefix, or false when there is none (prefix empty or all 0xff).
// SQLite compares text bytewise, as Go does, so [prefix, end) is exactly
// the keys starting with prefix.
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// Count adds one to counter key and returns the new value, in one
// statement: a counter that is absent or expired (its until is not after
// now) restarts at 1 with until as its expiry, a live one keeps its
// expiry. Key must not be empty and until must be after now. ctx cancels
// it.
func (s *core) Count(ctx context.Context, key string, until, now time.Time) (int64, error) {
	var n int64
	err := s.writeTx(ctx, func(ctx context.Context) error {
		nw := nanos(now)
		return s.ws.count.QueryRowContext(ctx, key, nanos(until), nw, nw).Scan(&n)
	})
	if err != nil {
		return 0, s.writeErr(ctx, fmt.Sprintf("count %q", key), err)
	}
	return n, nil
}

// pruneLeases deletes the leases and counters that expired before now,
// through their until indexes.
func (s *core) pruneLeases(ctx context.Context, now time.Time) error {
	return s.writeTx(ctx, func(ctx context.Context) error {
		if _, err := s.wconn.ExecContext(ctx, "DELETE FROM leases WHERE until < ?", nanos(now)); err != nil {
			return err
		}
		_, err := s.wconn.ExecContext(ctx, "DELETE FROM counters WHERE until < ?", nanos(now))
		return err
	})
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
