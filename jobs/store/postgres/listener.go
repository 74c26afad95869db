package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// listener owns the one connection per Store that LISTENs on the schema's
// channel, outside the pool, and hands every notification to the
// notifier. When the connection dies (the server restarted, an
// administrator terminated it, the network failed) it reconnects by
// itself, with backoff, and once LISTEN is active again wakes every
// watcher so that they re-check what they wait for: notifications sent
// while nobody listened are lost, the state they announced is not.
type listener struct {
	n       *notifier
	cfg     *pgx.ConnConfig
	channel string

	mu      sync.Mutex
	started bool
	stopped bool
	cancel  context.CancelFunc
	done    chan struct{}
	conn    *pgx.Conn // the live connection, once watchers re-checked; for tests
	conns   int       // connections made (and re-checked) so far, for tests
}

// idleCheck is how long the listener waits for a notification before it
// makes sure, with a ping, that the connection still works: a peer that
// vanished without closing the TCP connection is noticed this late.
const idleCheck = 30 * time.Second

// pingTimeout bounds that ping.
const pingTimeout = 10 * time.Second

func newNotifier(s *core, cfg *pgx.ConnConfig) *notifier {
	n := &notifier{}
	n.l = &listener{n: n, cfg: cfg, channel: s.channel, done: make(chan struct{})}
	return n
}

// start runs the listener unless it runs already or was stopped.
func (l *listener) start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started || l.stopped {
		return
	}
	l.started = true
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.run(ctx)
}

// stop ends the listener and waits for it. It is idempotent.
func (l *listener) stop() {
	l.mu.Lock()
	l.stopped = true
	started, cancel := l.started, l.cancel
	l.mu.Unlock()
	if !started {
		return
	}
	cancel()
	<-l.done
}

func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	backoff := time.Duration(0)
	for {
		conn, err := l.connect(ctx)
		if err == nil {
			connected := time.Now()
			l.n.recheck()
			l.mu.Lock()
			l.conn = conn
			l.conns++
			l.mu.Unlock()
			l.receive(ctx, conn)
			l.mu.Lock()
			l.conn = nil
			l.mu.Unlock()
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(closeCtx)
			cancel()
			if time.Since(connected) > time.Second {
				backoff = 0 // it worked for a while: a new failure
			}
		}
		if ctx.Err() != nil {
			return
		}
		// The first reconnection is immediate: a terminated connection
		// on a healthy server is the usual case.
		if backoff > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		backoff = min(max(2*backoff, 10*time.Millisecond), time.Second)
	}
}

// connect opens a connection and LISTENs on the channel.
func (l *listener) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+quoteIdent(l.channel)); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// receive dispatches notifications until the connection fails or ctx
// ends.
func (l *listener) receive(ctx context.Context, conn *pgx.Conn) {
	for {
		wctx, cancel := context.WithTimeout(ctx, idleCheck)
		note, err := conn.WaitForNotification(wctx)
		cancel()
		if err == nil {
			l.n.dispatch(note.Payload)
			continue
		}
		if ctx.Err() != nil || !pgconn.Timeout(err) || conn.IsClosed() {
			return
		}
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return
		}
	}
}

// backendPID reports the server process of the live listening
// connection, 0 when there is none (tests).
func (l *listener) backendPID() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return 0
	}
	return l.conn.PgConn().PID()
}

// connections reports how many connections the listener has made (tests).
func (l *listener) connections() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns
}
