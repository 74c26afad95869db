package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/sqlite"
)

var bg = context.Background()

// rawExec runs statements on the database file through a plain
// connection, standing in for another program or an older/newer build.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func job(id string) *store.Job {
	return &store.Job{ID: id, Name: "task", Queue: "default", MaxAttempts: 3, State: store.Queued}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("hello, not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       []string // substrings of the error
	}{
		{"empty", "", []string{"empty database path", "want"}},
		{"memory", ":memory:", []string{`":memory:" is not supported`, "t.TempDir"}},
		{"memory URI", "file::memory:?cache=shared", []string{"not supported"}},
		{"directory", dir, []string{dir, "is a directory", "spindle.db"}},
		{"missing directory", filepath.Join(dir, "nope", "jobs.db"), []string{filepath.Join(dir, "nope"), "create the directory"}},
		{"parent is a file", filepath.Join(notDB, "jobs.db"), []string{notDB, "not a directory"}},
		{"not SQLite", notDB, []string{notDB, "is not a SQLite database"}},
		{"URI parameters", "file:" + filepath.Join(dir, "x.db") + "?mode=ro", []string{"parameters are not supported"}},
		{"URI host", "file://example.com/x.db", []string{"only local files"}},
	}
	if fi, err := os.Stat("/proc/self"); err == nil && fi.IsDir() {
		// A directory nobody can create files in, even root.
		tests = append(tests, struct {
			name, path string
			want       []string
		}{"unwritable directory", "/proc/spindle-test.db", []string{"/proc/spindle-test.db", "writable"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlite.Open(bg, tt.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tt.path)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Open(%q) = %q; want it to mention %q", tt.path, err, w)
				}
			}
		})
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.db")
	for _, opt := range []sqlite.Option{
		sqlite.WithBusyTimeout(0),
		sqlite.WithWatchInterval(time.Nanosecond),
		sqlite.WithReadConnections(0),
	} {
		if s, err := sqlite.Open(bg, path, opt); err == nil {
			s.Close()
			t.Fatal("Open with an invalid option succeeded")
		} else if !strings.Contains(err.Error(), "want at least") {
			t.Errorf("option error %q does not say what is accepted", err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a rejected Open created the file: %v", err)
	}
}

func TestOpenFileURIs(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(dir, "odd name?#.db")
	for _, p := range []string{"file:" + strings.ReplaceAll(strings.ReplaceAll(abs, "?", "%3F"), "#", "%23"), "file://" + strings.ReplaceAll(strings.ReplaceAll(abs, "?", "%3F"), "#", "%23"), abs} {
		s, err := sqlite.Open(bg, p)
		if err != nil {
			t.Fatalf("Open(%q): %v", p, err)
		}
		if s.Path() != abs {
			t.Errorf("Open(%q).Path() = %q, want %q", p, s.Path(), abs)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("the database file was not created at %s: %v", abs, err)
	}
}

func TestOpenEmptyFileIsNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(bg, path)
	if err != nil {
		t.Fatalf("Open of an empty file: %v", err)
	}
	s.Close()
}

func TestReopenKeepsJobs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.db")
	s, err := sqlite.Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(bg, []*store.Job{job("keep")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if j, err := s.Get(bg, "keep"); err != nil || j.State != store.Queued {
		t.Fatalf("after reopening: %+v, %v", j, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.db")
	s, err := sqlite.Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	rawExec(t, path, "INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')")
	s, err = sqlite.Open(bg, path)
	if err == nil {
		s.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	}
	for _, w := range []string{path, "schema version 9999", "newer", "upgrade"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestOpenRefusesAnotherApplicationsDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	rawExec(t, path, "PRAGMA application_id = 1234", "CREATE TABLE users (id INTEGER PRIMARY KEY)")
	s, err := sqlite.Open(bg, path)
	if err == nil {
		s.Close()
		t.Fatal("Open of another application's database succeeded")
	}
	if !strings.Contains(err.Error(), "another application") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q", err)
	}
}

func TestOpenCanceled(t *testing.T) {
	cause := errors.New("shutting down")
	ctx, cancel := context.WithCancelCause(bg)
	cancel(cause)
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "jobs.db"))
	if err == nil {
		s.Close()
		t.Fatal("Open with a canceled context succeeded")
	}
	if !errors.Is(err, cause) {
		t.Fatalf("Open = %v, want the cause %v", err, cause)
	}
}

// TestOpenRacingMigrations opens one new file from several Stores at once,
// as processes starting together do: every Open succeeds and each
// migration is applied exactly once.
func TestOpenRacingMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.db")
	const n = 6
	var wg sync.WaitGroup
	stores := make([]*sqlite.Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = sqlite.Open(bg, path)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		} else {
			defer stores[i].Close()
		}
	}
	if t.Failed() {
		return
	}
	for i, s := range stores {
		id := fmt.Sprint("race", i)
		if _, err := s.Insert(bg, []*store.Job{job(id)}); err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, distinct int
	if err := db.QueryRow("SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != distinct || rows == 0 {
		t.Fatalf("schema_migrations has %d rows for %d versions: a migration ran twice", rows, distinct)
	}
}
