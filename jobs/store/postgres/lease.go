package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/spindlehq/spindle/jobs/store"
)

// Acquire takes or renews l.Key for l.Owner until l.Until, in one
// statement: it succeeds when the key is free, expired at now, or already
// l.Owner's, and otherwise returns the holder. Concurrent callers in any
// process see exactly one winner. Called for a unique key by [EnqueueTx]
// and its kin, it runs in the caller's transaction, so a rollback frees
// the key. ctx cancels it.
func (s *core) Acquire(ctx context.Context, l store.Lease, now time.Time) (holder store.Lease, ok bool, err error) {
	err = s.runEnqueue(ctx, "acquire "+l.Key, retryUnsent, func(q querier) error {
		// No row: the holder committed after the statement's snapshot
		// was taken; the next try sees it.
		for range 10 {
			rows, err := q.Query(ctx, s.q.acquire, l.Key, l.Owner, l.Data, l.Until, now)
			if err != nil {
				return err
			}
			found := false
			for rows.Next() {
				var until pgtype.Timestamptz
				h := store.Lease{Key: l.Key}
				if err := rows.Scan(&ok, &h.Owner, &h.Data, &until); err != nil {
					rows.Close()
					return err
				}
				h.Until = fromTS(until)
				holder, found = h, true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if found {
				return nil
			}
		}
		return fmt.Errorf("lease %s changes hands too fast to read", l.Key)
	})
	if err != nil {
		return store.Lease{}, false, err
	}
	if ok {
		holder = l
	}
	return holder, ok, nil
}

// Release deletes key if owner holds it, or whoever holds it when owner
// is "", and reports whether a lease was deleted. Called by [EnqueueTx]
// and its kin, it runs in the caller's transaction. ctx cancels it.
func (s *core) Release(ctx context.Context, key, owner string) (bool, error) {
	var n int64
	err := s.runEnqueue(ctx, "release "+key, retryUnsent, func(q querier) error {
		tag, err := q.Exec(ctx, s.q.release, key, owner)
		n = tag.RowsAffected()
		return err
	})
	return n > 0, err
}

// Leases lists the leases not expired at now whose key starts with
// prefix, in key order: a range scan of the key index. ctx cancels it.
func (s *core) Leases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error) {
	pattern := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix) + "%"
	var out []store.Lease
	err := s.run(ctx, "leases", retryRead, func(q querier) error {
		rows, err := q.Query(ctx, s.q.leases, pattern, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			var l store.Lease
			var until pgtype.Timestamptz
			if err := rows.Scan(&l.Key, &l.Owner, &l.Data, &until); err != nil {
				return err
			}
			l.Until = fromTS(until)
			out = append(out, l)
		}
		return rows.Err()
	})
	return out, err
}

// Count adds one to counter key and returns the new value, in one
// statement: an absent or expired counter restarts at 1 with until as its
// expiry. Concurrent callers in any process each get a distinct value.
// ctx cancels it.
func (s *core) Count(ctx context.Context, key string, until, now time.Time) (int64, error) {
	var v int64
	err := s.run(ctx, "count "+key, retryUnsent, func(q querier) error {
		return q.QueryRow(ctx, s.q.count, key, until, now).Scan(&v)
	})
	return v, err
}
