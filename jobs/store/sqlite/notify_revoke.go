package sqlite

import (
	"context"
	"database/sql"
)

// Revokes made by other connections (other Stores, other processes) reach
// this Store's Revoked watchers through the data_version poller: when the
// file changed, the poller reads the running jobs with a revoke request
// and signals the watchers when one appears that it had not seen. Workers
// thus call RevokeRequests once per new revoke, not once per commit.

// revokeSeen is the poller's view of pending revoke requests: running
// attempts (job ID and attempt) whose revoke it already signalled. Only
// the poller goroutine uses it.
type revokeSeen map[revokeKey]struct{}

type revokeKey struct {
	id      string
	attempt int64
}

// sqlRevokePending lists every running attempt with a revoke request,
// reading the running jobs through jobs_lease (as many as run at once).
const sqlRevokePending = `SELECT id, attempt FROM jobs INDEXED BY jobs_lease
	WHERE state = 'running' AND revoke IS NOT NULL`

// onRevokeChange reacts to a commit by another connection: when Revoked
// watchers are registered, it signals them if a revoke request appeared
// since the last look. It reports whether it could read the table (a
// failed read is repeated at the next tick).
func (n *notifier) onRevokeChange(ctx context.Context, conn *sql.Conn, seen *revokeSeen) bool {
	n.Mu.Lock()
	watched := n.Revoked.Len() > 0
	n.Mu.Unlock()
	if !watched {
		*seen = nil // a watcher registered later hears of every pending request
		return true
	}
	rows, err := conn.QueryContext(ctx, sqlRevokePending)
	if err != nil {
		return false
	}
	now := make(revokeSeen, len(*seen))
	fresh := false
	for rows.Next() {
		var k revokeKey
		if err := rows.Scan(&k.id, &k.attempt); err != nil {
			rows.Close()
			return false
		}
		now[k] = struct{}{}
		if _, ok := (*seen)[k]; !ok {
			fresh = true
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return false
	}
	*seen = now
	if fresh {
		n.revoked()
	}
	return true
}
