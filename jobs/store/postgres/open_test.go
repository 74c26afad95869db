package postgres_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store/postgres"
)

func TestOpenSettings(t *testing.T) {
	s := openStore(t, "pool_max_conns", "3", "application_name", "spindle-open-test")
	if got := s.Pool().Config().MaxConns; got != 3 {
		t.Fatalf("pool size %d, want 3 from the URL", got)
	}
	var sync, app string
	if err := s.Pool().QueryRow(bg, "SELECT current_setting('synchronous_commit'), current_setting('application_name')").Scan(&sync, &app); err != nil {
		t.Fatal(err)
	}
	if sync != "on" || app != "spindle-open-test" { // the server's default: durable commits
		t.Fatalf("synchronous_commit %q, application_name %q", sync, app)
	}
	s2 := openStore(t, "synchronous_commit", "off")
	if err := s2.Pool().QueryRow(bg, "SELECT current_setting('synchronous_commit')").Scan(&sync); err != nil || sync != "off" {
		t.Fatalf("synchronous_commit %q, %v; want off from the URL", sync, err)
	}
}

func TestOpenCreatesSchemaAndMigratesOnce(t *testing.T) {
	u := schemaURL(t)
	const openers = 8
	var wg sync.WaitGroup
	stores := make([]*postgres.Store, openers)
	errs := make([]error, openers)
	for i := range openers {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(bg, 30*time.Second)
			defer cancel()
			stores[i], errs[i] = postgres.Open(ctx, u)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("opener %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	var n, maxV int
	q := "SELECT count(*), max(version) FROM " + `"` + stores[0].Schema() + `".schema_migrations`
	if err := stores[0].Pool().QueryRow(bg, q).Scan(&n, &maxV); err != nil {
		t.Fatal(err)
	}
	if n != maxV || n < 2 {
		t.Fatalf("schema_migrations: %d rows, version %d; want one row per version", n, maxV)
	}
	insert(t, stores[3], newJob("m1"))
	get(t, stores[5], "m1")
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	u := schemaURL(t)
	s := openAt(t, u)
	if _, err := s.Pool().Exec(bg, `INSERT INTO "`+s.Schema()+`".schema_migrations (version, name) VALUES (999, 'future')`); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.Open(bg, u)
	if err == nil || !strings.Contains(err.Error(), "version 999") || !strings.Contains(err.Error(), "upgrade Spindle") {
		t.Fatalf("Open = %v; want a refusal naming version 999", err)
	}
}

func TestOpenErrorsHidePassword(t *testing.T) {
	testURL(t)
	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	_, err = postgres.Open(ctx, "postgres://u:hunter2@"+addr+"/db?sslmode=disable&connect_timeout=2")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Open = %v; want a connection error without the password", err)
	}
	// A wrong password on the real server: trust auth accepts it, so use
	// an unknown database instead.
	_, err = postgres.Open(ctx, withParams(t, "schema", "x")+"&dbname=spindle_no_such_db")
	if err == nil || !strings.Contains(err.Error(), "spindle_no_such_db") {
		t.Fatalf("Open of a missing database = %v", err)
	}
	// A canceled ctx.
	cctx, ccancel := context.WithCancelCause(bg)
	cause := errors.New("gave up")
	ccancel(cause)
	if _, err := postgres.Open(cctx, schemaURL(t)); !errors.Is(err, cause) {
		t.Fatalf("Open with a canceled ctx = %v; want the cause", err)
	}
}

func TestWithSchemaOption(t *testing.T) {
	name := freshSchema(t)
	s := openAt(t, withParams(t, "schema", "ignored_here"), postgres.WithSchema(name))
	if s.Schema() != name {
		t.Fatalf("schema %q, want %q", s.Schema(), name)
	}
	var exists bool
	if err := s.Pool().QueryRow(bg, "SELECT to_regclass($1) IS NOT NULL", `"`+name+`".jobs`).Scan(&exists); err != nil || !exists {
		t.Fatalf("jobs table in %s: %v %v", name, exists, err)
	}
	if _, err := postgres.Open(bg, testURL(t), postgres.WithSchema("bad name")); err == nil {
		t.Fatal("Open accepted a bad schema name")
	}
}
