package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// sqliteHeader starts every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// resolvePath turns what the user passed to Open into an absolute file
// path, or explains what is accepted instead. It checks what it can before
// SQLite sees the path, so the common mistakes get an error that names the
// path and the fix rather than SQLite's terse "unable to open database
// file".
func resolvePath(path string) (string, error) {
	const want = "want a database file path such as spindle.db or file:/var/lib/app/jobs.db"
	switch {
	case path == "":
		return "", fmt.Errorf("sqlite: empty database path; %s", want)
	case path == ":memory:" || strings.HasPrefix(path, "file::memory:"):
		return "", fmt.Errorf("sqlite: %q is not supported: the store uses several connections and an in-memory SQLite database is private to one; %s (a file under t.TempDir() in tests), or use the memory store", path, want)
	}
	p := path
	if strings.HasPrefix(path, "file:") {
		u, err := url.Parse(path)
		if err != nil {
			return "", fmt.Errorf("sqlite: %q is not a valid file: URI: %v; %s", path, err, want)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return "", fmt.Errorf("sqlite: %q: file: URI parameters are not supported, the store sets its own; %s", path, want)
		}
		if u.Host != "" && u.Host != "localhost" {
			return "", fmt.Errorf("sqlite: %q names host %q: only local files are supported; %s", path, u.Host, want)
		}
		p = u.Path
		if u.Opaque != "" {
			if p, err = url.PathUnescape(u.Opaque); err != nil {
				return "", fmt.Errorf("sqlite: %q is not a valid file: URI: %v; %s", path, err, want)
			}
		}
		if p == "" {
			return "", fmt.Errorf("sqlite: %q names no file; %s", path, want)
		}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("sqlite: database path %q: %v; %s", path, err, want)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(abs)
		di, derr := os.Stat(dir)
		if derr != nil {
			return "", fmt.Errorf("sqlite: cannot create database %s: its directory %s: %v; create the directory first", abs, dir, derr)
		}
		if !di.IsDir() {
			return "", fmt.Errorf("sqlite: cannot create database %s: %s is not a directory", abs, dir)
		}
		return abs, nil
	case err != nil:
		return "", fmt.Errorf("sqlite: database %s: %v", abs, err)
	case fi.IsDir():
		return "", fmt.Errorf("sqlite: database path %s is a directory; want a file inside it, such as %s", abs, filepath.Join(abs, "spindle.db"))
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("sqlite: database path %s is not a regular file (mode %v); want a SQLite database file", abs, fi.Mode())
	}
	if err := checkHeader(abs); err != nil {
		return "", err
	}
	return abs, nil
}

// checkHeader refuses an existing non-empty file that is not SQLite, which
// SQLite itself would only report at the first query as "file is not a
// database". An empty file is fine: SQLite treats it as a new database.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sqlite: cannot read database %s: %v; want a readable and writable SQLite file", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF) {
		return nil
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("sqlite: cannot read database %s: %v", path, err)
	}
	if !bytes.Equal(head[:n], sqliteHeader) {
		return fmt.Errorf("sqlite: %s is not a SQLite database (its first bytes are not the SQLite header); want a SQLite file or a path where one can be created", path)
	}
	return nil
}

// dsn builds the driver's connection string for an absolute path: a file:
// URI, so any character in the path is escaped rather than parsed, with
// the per-connection pragmas.
func dsn(abs string, readOnly bool) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := url.Values{}
	// busy_timeout 0: core.retryBusy waits for locks, honouring ctx.
	q.Add("_pragma", "busy_timeout(0)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	return "file://" + u.EscapedPath() + "?" + q.Encode()
}
