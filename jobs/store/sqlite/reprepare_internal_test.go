package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/spindlehq/spindle/jobs/store"
	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteStmtOf digs the SQLite statement handle out of a *sql.Stmt
// prepared on a *sql.Conn. It relies on database/sql and driver
// internals, so it reports ok=false instead of failing when they change.
func sqliteStmtOf(st *sql.Stmt) (p uintptr, ok bool) {
	defer func() {
		if recover() != nil {
			p, ok = 0, false
		}
	}()
	ds := reflect.ValueOf(st).Elem().FieldByName("cgds") // *driverStmt
	si := ds.Elem().FieldByName("si").Elem().Elem()      // *sqlite.stmt -> stmt
	f := si.FieldByName("pstmt")                         //
	return *(*uintptr)(unsafe.Pointer(f.UnsafeAddr())), f.Kind() == reflect.Uintptr
}

// TestStatementsCompileOnce guards the hot path's cost: a prepared
// statement that SQLite recompiles on every run (a bound parameter the
// planner peeks at, such as a bare LIMIT ?) costs several times its
// execution. Every write statement runs with varying parameters and must
// never be re-prepared.
func TestStatementsCompileOnce(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		j := &store.Job{ID: fmt.Sprintf("%04d", i), Name: "n", Queue: []string{"a", "b"}[i%2], MaxAttempts: 2, RunAt: t0}
		if i%5 == 0 {
			j.UniqueKey = j.ID
		}
		if _, err := s.Insert(ctx, []*store.Job{j}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 8 {
		now := t0.Add(time.Duration(i) * time.Second)
		queues := [][]string{{"a"}, {"a", "b"}}[i%2]
		// Workers claim by name; tools claim any.
		names := [][]string{{"n", "m"}, {"n"}, nil}[i%3]
		got, err := s.Claim(ctx, store.ClaimRequest{Queues: queues, Limit: 1 + i%3, Owner: fmt.Sprint("w", i), Now: now, LeaseUntil: now.Add(time.Second), Names: names})
		if err != nil || len(got) == 0 {
			t.Fatal(got, err)
		}
		if _, err := s.ExtendLeases(ctx, got[0].LeaseOwner, []string{got[0].ID}, now.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		var outs []store.Outcome
		for k, j := range got {
			o := store.Outcome{ID: j.ID, Owner: j.LeaseOwner, FinishedAt: now, RetainUntil: now.Add(time.Hour)}
			o.State = []store.State{store.Succeeded, store.Scheduled, store.Dead, store.Queued}[(i+k)%4]
			o.Error, o.RunAt = fmt.Sprint("e", i), now
			outs = append(outs, o)
		}
		if _, err := s.Finish(ctx, outs); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Recover(ctx, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		l := store.Lease{Key: fmt.Sprint("k", i%3), Owner: fmt.Sprint("w", i%2), Data: []byte{byte(i)}, Until: now.Add(time.Second)}
		if _, _, err := s.Acquire(ctx, l, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Count(ctx, fmt.Sprint("c", i%3), now.Add(time.Second), now); err != nil {
			t.Fatal(err)
		}
	}
	tls := libc.NewTLS()
	defer tls.Close()
	stmts := map[string]*sql.Stmt{
		"begin": s.ws.begin, "commit": s.ws.commit, "insert": s.ws.insert,
		"finishOK": s.ws.finishOK, "finishFail": s.ws.finishFail, "giveBack": s.ws.giveBack,
		"extend": s.ws.extend, "recover": s.ws.recover, "expire": s.ws.expire,
		"acquire": s.ws.acquire, "count": s.ws.count,
	}
	for n, st := range s.ws.claim {
		stmts[fmt.Sprintf("claim(%+v)", n)] = st
	}
	for f, st := range s.ws.insertLean {
		stmts[fmt.Sprintf("insertLean(%+v)", f)] = st
	}
	for name, st := range stmts {
		p, ok := sqliteStmtOf(st)
		if !ok || p == 0 {
			t.Skip("cannot reach the SQLite statement handle through database/sql internals")
		}
		runs := sqlite3.Xsqlite3_stmt_status(tls, p, sqlite3.SQLITE_STMTSTATUS_RUN, 0)
		re := sqlite3.Xsqlite3_stmt_status(tls, p, sqlite3.SQLITE_STMTSTATUS_REPREPARE, 0)
		// begin and commit are compiled before the schema exists and are
		// recompiled once after each migration changes it.
		limit := int32(1)
		if name == "begin" || name == "commit" {
			limit = int32(len(migrations))
		}
		if re > limit {
			t.Errorf("statement %s was re-prepared %d times in %d runs", name, re, runs)
		}
	}
}
