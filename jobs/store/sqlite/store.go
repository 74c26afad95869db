package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/front"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// core is the store's state and its work (front.Work): what each contract
// method does once front.Contract has admitted the call and checked it.
type core struct {
	path string
	opts options

	// Writes go through one pinned connection with prepared statements;
	// writeSem (capacity 1) hands it out, so waiting for it honours ctx.
	wdb      *sql.DB
	wconn    *sql.Conn
	writeSem chan struct{}
	ws       *writeStmts // guarded by writeSem

	rdb *sql.DB // read pool
	rs  *readStmts

	notify *notifier
	ckpt   *checkpointer
}

var (
	_ store.Store = (*Store)(nil)
	_ front.Work  = (*core)(nil)
)

// Open opens the job store in the SQLite file at path, creating the file
// and its schema when needed and upgrading an older schema.
//
// path is a file path (relative paths are resolved against the working
// directory) or a file: URI without parameters (file:jobs.db,
// file:///var/lib/app/jobs.db). ":memory:" is refused: the store needs
// several connections to one database. Open fails with an error naming the
// path when it is a directory, lies in a directory that does not exist,
// is not a SQLite file, belongs to another application, cannot be written,
// or has a schema newer than this code knows.
//
// ctx bounds the opening work (waiting for another process's migration
// included), not the Store's life. Close the Store to release its
// connections and goroutines.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := defaultOptions()
	if err := storecheck.Options(&o, opts); err != nil {
		return nil, err
	}
	abs, err := resolvePath(path)
	if err != nil {
		return nil, err
	}
	c := &core{path: abs, opts: o, writeSem: make(chan struct{}, 1)}
	if err := c.open(ctx); err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", abs, context.Cause(ctx))
		}
		return nil, err
	}
	s := &Store{inner: inner{c}}
	front.Init(&s.Contract, "sqlite", maxClaimQueues, c)
	return s, nil
}

func (s *core) open(ctx context.Context) error {
	var err error
	if s.wdb, err = sql.Open("sqlite", dsn(s.path, false)); err != nil {
		return s.openErr("open", err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)
	// Connecting runs the per-connection pragmas, which read the schema
	// and so can meet another process converting a new file to WAL.
	err = s.retryBusy(ctx, func() (err error) {
		s.wconn, err = s.wdb.Conn(ctx)
		return err
	})
	if err != nil {
		return s.openErr("open", err)
	}
	if err := s.setWAL(ctx); err != nil {
		return err
	}
	// Preparing reads the schema, so it retries SQLITE_BUSY like a query.
	if err := s.retryBusy(ctx, func() (err error) { s.ws, err = prepareTxStmts(ctx, s.wconn); return err }); err != nil {
		return s.openErr("prepare statements", err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if err := s.retryBusy(ctx, func() error { return s.ws.prepare(ctx, s.wconn) }); err != nil {
		return s.openErr("prepare statements", err)
	}
	if s.rdb, err = sql.Open("sqlite", dsn(s.path, true)); err != nil {
		return s.openErr("open", err)
	}
	// One more than asked for: the change watcher pins one while it runs.
	s.rdb.SetMaxOpenConns(s.opts.readConns + 1)
	s.rdb.SetMaxIdleConns(s.opts.readConns + 1)
	s.rdb.SetConnMaxLifetime(0)
	s.rdb.SetConnMaxIdleTime(0)
	if err := s.retryBusy(ctx, func() (err error) { s.rs, err = prepareReadStmts(ctx, s.rdb); return err }); err != nil {
		return s.openErr("prepare statements", err)
	}
	// Checkpoints move to a goroutine of their own (see checkpointer).
	if _, err := s.wconn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		return s.openErr("configure checkpoints", err)
	}
	if s.ckpt, err = startCheckpointer(s.path); err != nil {
		return s.openErr("start the checkpointer", err)
	}
	s.notify = newNotifier(s)
	return nil
}

// setWAL switches the file to WAL mode (persistent, so usually a no-op).
// Two processes converting a new file at once can see SQLITE_BUSY even
// with a busy timeout, so it is retried like a write.
func (s *core) setWAL(ctx context.Context) error {
	var mode string
	err := s.retryBusy(ctx, func() error {
		return s.wconn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
	})
	if err != nil {
		return s.openErr("enable WAL", err)
	}
	if mode != "wal" {
		return fmt.Errorf("sqlite: %s: journal mode is %q, want \"wal\"; the file system may not support WAL's shared memory", s.path, mode)
	}
	return nil
}

// openErr explains a failure while opening, naming the path and, for the
// SQLite codes users meet, what is expected of it.
func (s *core) openErr(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	switch code(err) & 0xff {
	case codeCantOpen:
		return fmt.Errorf("sqlite: cannot open %s (%s): %w; want a path in an existing, writable directory", s.path, what, err)
	case codeNotADB:
		return fmt.Errorf("sqlite: %s is not a SQLite database: %w", s.path, err)
	case codeReadOnly, codePerm, codeAuth:
		return fmt.Errorf("sqlite: %s is not writable (%s): %w; the store needs write access to the file and its directory (for the -wal and -shm files)", s.path, what, err)
	case codeCorrupt:
		return fmt.Errorf("sqlite: %s is corrupt (%s): %w", s.path, what, err)
	}
	return fmt.Errorf("sqlite: %s: %s: %w", s.path, what, err)
}

// Close waits for the calls in flight (they end when their ctx does),
// then stops the change watcher, wakes every Ready and Finished channel
// (so waiters notice and get ErrClosed on their next call), and closes
// the connections. Later calls, Close included, return store.ErrClosed.
//
// The gate and the waiting are Store's (front.Contract); this is the
// release, run once. It tolerates a half-opened store, which Open
// releases with it.
func (s *core) Close() error {
	if s.notify != nil {
		s.notify.close()
	}
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	if s.rs != nil {
		errs = append(errs, s.rs.close())
	}
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if s.ws != nil {
		errs = append(errs, s.ws.close())
	}
	if s.wconn != nil {
		errs = append(errs, s.wconn.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, err)
	}
	return nil
}

// Path reports the absolute path of the database file. Safe for
// concurrent use, also after Close.
func (s *Store) Path() string { return s.path }
