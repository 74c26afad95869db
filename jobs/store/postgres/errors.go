package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SQLSTATE codes the store reacts to.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03"
	codeUndefinedTable       = "42P01"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// rejected reports whether the server refused the statement for the data
// it was given: a data exception (class 22: bad encoding, a NUL in text,
// a value out of range), an integrity constraint (class 23) or a program
// limit (class 54: a value or row too big). The same statement fails the
// same way again.
func rejected(err error) bool {
	c := pgCode(err)
	return strings.HasPrefix(c, "22") || strings.HasPrefix(c, "23") || strings.HasPrefix(c, "54")
}

// isRetryableTx reports whether the server rolled the transaction back
// for a reason that running it again can cure.
func isRetryableTx(err error) bool {
	c := pgCode(err)
	return c == codeSerializationFailure || c == codeDeadlockDetected
}

// isConnLoss reports whether err means the connection (not the
// statement) failed: it was terminated, reset, or could not be made.
func isConnLoss(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch c := pgCode(err); {
	case c == codeAdminShutdown, c == codeCrashShutdown, c == codeCannotConnectNow, strings.HasPrefix(c, "08"):
		return true
	case c != "":
		return false
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return pgconn.SafeToRetry(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &ne) || errors.As(err, &ce)
}

// notCommitted reports whether a connection failure certainly left the
// operation uncommitted: nothing was sent, or the server ended the session
// with an error, which rolls back the open transaction. A connection that
// merely went silent may have committed before it did.
func notCommitted(err error) bool {
	switch c := pgCode(err); {
	case c == codeAdminShutdown, c == codeCrashShutdown, c == codeCannotConnectNow, strings.HasPrefix(c, "08"):
		return true
	}
	var ce *pgconn.ConnectError
	return pgconn.SafeToRetry(err) || errors.As(err, &ce)
}

// pause waits before attempt+1: not at all after the first failure (the
// next connection is usually fine), then growing to 200ms.
func pause(ctx context.Context, attempt int) error {
	if attempt == 1 {
		return nil
	}
	d := min(time.Millisecond<<(attempt-2), 200*time.Millisecond)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// resetLimiter resets a pool after a connection was found dead, at most
// once per resetEvery: when the server terminated one connection it has
// usually terminated the others too (a restart, a failover, an
// administrator), and resetting spares every caller its own failure on a
// dead connection.
type resetLimiter struct {
	mu   sync.Mutex
	last time.Time
}

const resetEvery = 500 * time.Millisecond

func (r *resetLimiter) reset(p *pgxpool.Pool) {
	r.mu.Lock()
	now := time.Now()
	due := r.last.IsZero() || now.Sub(r.last) >= resetEvery
	if due {
		r.last = now
	}
	r.mu.Unlock()
	if due {
		p.Reset()
	}
}
