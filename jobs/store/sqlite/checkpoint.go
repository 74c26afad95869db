package sqlite

import (
	"database/sql"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the WAL
// back into the database file.
const checkpointEvery = 100 * time.Millisecond

// checkpointer keeps the write-ahead log short without making a write wait
// for it. SQLite's default is for the connection whose commit crosses 1,000
// WAL pages to checkpoint inside that commit, which stalled about one
// enqueue in eighty by several milliseconds. The write connection turns
// that off (wal_autocheckpoint=0) and this goroutine runs PASSIVE
// checkpoints on a connection of its own, which never block writers or
// readers; one that cannot finish (a reader holds old pages) simply tries
// again on the next tick.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
}

func startCheckpointer(path string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		// Errors (SQLITE_BUSY from another process's checkpoint, a
		// momentary lock) leave the WAL for the next tick.
		_, _ = c.db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// close stops the goroutine and releases its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
