package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	sqlite "modernc.org/sqlite"

	"github.com/spindlehq/spindle/jobs/store"
)

// SQLite primary result codes the store reacts to.
const (
	codePerm       = 3
	codeBusy       = 5
	codeLocked     = 6
	codeReadOnly   = 8
	codeCorrupt    = 11
	codeCantOpen   = 14
	codeTooBig     = 18
	codeConstraint = 19
	codeMismatch   = 20
	codeAuth       = 23
	codeNotADB     = 26
)

// code extracts the (extended) SQLite result code from err, or 0.
func code(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// rejected reports whether SQLite refused the data itself (a value over
// its length limit, a broken constraint, a value of the wrong type), so
// that the same statement fails the same way again.
func rejected(err error) bool {
	c := code(err) & 0xff
	return c == codeTooBig || c == codeConstraint || c == codeMismatch
}

// isBusy reports whether err means another connection holds a lock the
// operation needs, so trying again later may succeed.
func isBusy(err error) bool {
	c := code(err) & 0xff
	return c == codeBusy || c == codeLocked
}

// retryBusy runs op until it does not fail with SQLITE_BUSY, the busy
// timeout has passed, or ctx ends. The connections run with SQLite's own
// busy handler off (busy_timeout 0), because that handler sleeps inside
// the C call where ctx cannot reach it: a call queued behind another
// process's long transaction would ignore cancellation for the whole busy
// timeout. Waiting here instead costs the same polling SQLite would do
// (its handler also sleeps and retries) and ends the moment ctx does.
func (s *core) retryBusy(ctx context.Context, op func() error) error {
	var deadline time.Time
	pause := 100 * time.Microsecond
	for {
		err := op()
		if err == nil || !isBusy(err) {
			return err
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(s.opts.busyTimeout)
		}
		if !now.Before(deadline) {
			return fmt.Errorf("sqlite: %s: database stayed locked for the busy timeout (%v): %w", s.path, s.opts.busyTimeout, err)
		}
		// Jitter keeps processes that collided from retrying in step.
		d := min(pause/2+rand.N(pause), deadline.Sub(now))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		}
		pause = min(2*pause, 10*time.Millisecond)
	}
}

// acquireWriter takes the write connection, or gives up when ctx ends.
func (s *core) acquireWriter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	select {
	case s.writeSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (s *core) releaseWriter() { <-s.writeSem }

// writeTx runs fn in one BEGIN IMMEDIATE transaction on the write
// connection and commits it, retrying the whole transaction on
// SQLITE_BUSY. fn must be safe to run more than once (it sees a rolled
// back database each time) and must only touch the write connection.
//
// BEGIN IMMEDIATE takes the write lock up front: a deferred transaction
// that reads first and then writes can fail with SQLITE_BUSY_SNAPSHOT
// when another process committed in between, which no busy timeout cures.
// The commit itself runs without ctx so that, once fn succeeded, the
// transaction is either fully committed or the error is real, never
// interrupted half-way by a cancel arriving at that instant.
func (s *core) writeTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := s.acquireWriter(ctx); err != nil {
		return err
	}
	defer s.releaseWriter()
	err := s.retryBusy(ctx, func() error {
		if _, err := s.ws.begin.ExecContext(ctx); err != nil {
			return err
		}
		if err := fn(ctx); err != nil {
			s.rollback()
			return err
		}
		if _, err := s.ws.commit.ExecContext(context.Background()); err != nil {
			s.rollback()
			return err
		}
		return nil
	})
	if err != nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// rollback ends a failed transaction. SQLite may already have rolled it
// back (an interrupted or failed commit), so "no transaction is active" is
// expected and ignored.
func (s *core) rollback() { _, _ = s.ws.rollback.ExecContext(context.Background()) }

// readErr wraps a read failure, preferring the cancel cause.
func (s *core) readErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// writeErr wraps a write failure, preferring the cancel cause and keeping
// the store's sentinel errors recognisable with errors.Is.
func (s *core) writeErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if rejected(err) {
		return fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrRejected, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
