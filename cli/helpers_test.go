package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs"
)

// The test binary's own jobs, as a user's program would define them.
type greetArgs struct {
	Name string `json:"name"`
}

var (
	tGreet = jobs.Define("test.greet", func(ctx context.Context, a greetArgs) (string, error) {
		if a.Name == "" {
			return "", jobs.Permanent(errors.New("nobody to greet"))
		}
		return "hello, " + a.Name, nil
	}, jobs.Queue("greetings"), jobs.Retries(0))
	tDouble = jobs.Define("test.double", func(ctx context.Context, n int) (int, error) { return 2 * n, nil })
)

var testDefs = []jobs.Registrable{tGreet, tDouble}

// result is what one command run did.
type result struct {
	code        int
	out, errOut string
}

// line is stderr's one line, without the program name.
func (r result) line() string { return strings.TrimSpace(r.errOut) }

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
}

// execute runs the command tree (with the test definitions) in-process.
func execute(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return executeCtx(t, context.Background(), stdin, args...)
}

func executeCtx(t *testing.T, ctx context.Context, stdin string, args ...string) result {
	t.Helper()
	root := NewCommand(Config{Name: "spindle", Definitions: testDefs})
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	code := Execute(ctx, root, args)
	return result{code, out.String(), errOut.String()}
}

// tempStore returns the URL of a new SQLite file.
func tempStore(t *testing.T) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "jobs.db")
}

// newStore returns the URL of a new, empty SQLite store.
func newStore(t *testing.T) string {
	t.Helper()
	url := tempStore(t)
	c, err := jobs.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	return url
}

// openClient opens url for the test, closed at cleanup.
func openClient(t *testing.T, url string) *jobs.Client {
	t.Helper()
	c, err := jobs.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wantOK fails the test unless the command exited 0.
func wantOK(t *testing.T, r result) {
	t.Helper()
	if r.code != ExitOK {
		t.Fatalf("want exit 0, got %v", r)
	}
}

// wantFail checks the exit code and that stderr is one line naming what
// went wrong.
func wantFail(t *testing.T, r result, code int, mentions ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("want exit %d, got %v", code, r)
		return
	}
	line := r.line()
	if !strings.HasPrefix(line, "spindle: ") || strings.Contains(line, "\n") {
		t.Errorf("want one line on stderr starting with \"spindle: \", got %q", r.errOut)
	}
	for _, m := range mentions {
		if !strings.Contains(line, m) {
			t.Errorf("stderr %q does not mention %q", line, m)
		}
	}
	if strings.Contains(r.errOut, "Usage:") || strings.Contains(r.errOut, "goroutine ") {
		t.Errorf("stderr holds a usage dump or a stack trace: %q", r.errOut)
	}
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output is not the documented JSON: %v\n%s", err, s)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("output has more than one JSON value:\n%s", s)
	}
	return v
}

// compact is raw JSON without the indentation the output adds.
func compact(t *testing.T, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return b.String()
}
