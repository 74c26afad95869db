package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Hooks for the external tests.

// ListenerPID reports the server process of s's live listening
// connection, 0 when there is none.
func ListenerPID(s *Store) uint32 { return s.notify.l.backendPID() }

// ListenerConnections reports how many listening connections s has made.
func ListenerConnections(s *Store) int { return s.notify.l.connections() }

// Watching reports how many Ready, Finished and Revoked watchers s has.
func Watching(s *Store) (ready, finished, revoked int) { return s.notify.watching() }

// Dispatch hands s a NOTIFY payload as if it had arrived.
func Dispatch(s *Store, payload string) { s.notify.dispatch(payload) }

// Channel is the NOTIFY channel of s's schema.
func Channel(s *Store) string { return s.channel }

// BindTx returns ctx with tx bound for s as EnqueueTx binds it, and the
// func that ends the binding, so that tests can call the store directly.
func BindTx(ctx context.Context, s *Store, tx pgx.Tx) (context.Context, func()) {
	ctx, b := withTxBinding(ctx, s.core, tx)
	return ctx, func() { b.live.Store(false) }
}

// SetCopyMin sets the smallest batch Insert copies, and returns a func
// that restores it.
func SetCopyMin(n int) (restore func()) {
	old := copyMin
	copyMin = n
	return func() { copyMin = old }
}
