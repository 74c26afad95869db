package main

// End-to-end tests: the built spindle binary against real stores. SQLite
// always runs; Redis and PostgreSQL run when SPINDLE_REDIS_URL /
// SPINDLE_POSTGRES_URL are set and jobs.Open accepts their scheme.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs"
)

// storeCase is one store the commands run against.
type storeCase struct {
	name string
	url  string
	// unreachable names a store of the same kind that cannot be opened
	// or reached, with a password that must never be printed.
	unreachable string
}

const secret = "e2e-s3cret"

func storeCases(t *testing.T) []storeCase {
	t.Helper()
	dir := t.TempDir()
	cases := []storeCase{{
		name:        "sqlite",
		url:         "sqlite:" + filepath.Join(dir, "e2e.db"),
		unreachable: "sqlite:" + filepath.Join(dir, "no", "such", "dir", "e2e.db"),
	}}
	for _, s := range []struct{ name, env string }{{"redis", servertest.RedisEnv}, {"postgres", servertest.PostgresEnv}} {
		raw := os.Getenv(s.env)
		if raw == "" {
			t.Logf("%s: %s is unset; the %s store is not tested", s.name, s.env, s.name)
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s=%q: %v", s.env, raw, err)
		}
		user := "spindle"
		if u.User != nil && u.User.Username() != "" {
			user = u.User.Username()
		}
		u.User = url.UserPassword(user, secret)
		u.Host = "127.0.0.1:1" // nothing listens on port 1
		// A namespace of its own on the shared server, deleted at the end.
		var isolated string
		if s.name == "redis" {
			isolated = servertest.WithParam(t, raw, "namespace", servertest.RedisNamespace(t, raw))
		} else {
			isolated = servertest.WithParam(t, raw, "schema", servertest.PostgresSchema(t, raw))
		}
		cases = append(cases, storeCase{name: s.name, url: isolated, unreachable: u.String()})
	}
	return cases
}

// forEachStore runs fn once per store, skipping a store whose scheme this
// build's jobs.Open does not know yet.
func forEachStore(t *testing.T, fn func(t *testing.T, sc storeCase)) {
	for _, sc := range storeCases(t) {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := jobs.Open(ctx, sc.url)
			if err != nil && strings.Contains(err.Error(), "unknown scheme") {
				t.Skipf("jobs.Open does not accept %s URLs yet: %v", sc.name, err)
			}
			if err != nil {
				t.Fatalf("opening the %s store: %v", sc.name, err)
			}
			c.Close()
			fn(t, sc)
		})
	}
}

// result is what one run of the binary did.
type result struct {
	code        int
	out, errOut string
}

func (r result) String() string {
	return "exit " + itoa(r.code) + "\nstdout: " + r.out + "\nstderr: " + r.errOut
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// runSpindle runs the binary with args in dir (the test's working directory
// when empty) and returns what it did.
func runSpindle(t *testing.T, dir string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running spindle %v: %v", args, err)
	}
	return result{code, out.String(), errOut.String()}
}

func wantOK(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("want exit 0, got %v", r)
	}
}

// wantFail checks the exit code, and that stderr is one line without a
// stack trace, a usage dump or the test password.
func wantFail(t *testing.T, r result, code int, mentions ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("want exit %d, got %v", code, r)
		return
	}
	line := strings.TrimSpace(r.errOut)
	if !strings.HasPrefix(line, "spindle: ") || strings.Contains(line, "\n") {
		t.Errorf("want one line on stderr starting with \"spindle: \", got %q", r.errOut)
	}
	if strings.Contains(r.errOut, "goroutine ") || strings.Contains(r.errOut, "Usage:") || strings.Contains(r.out+r.errOut, secret) {
		t.Errorf("stderr holds a stack trace, a usage dump or the password: %q", r.errOut)
	}
	for _, m := range mentions {
		if !strings.Contains(line, m) {
			t.Errorf("stderr %q does not mention %q", line, m)
		}
	}
}

func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.out), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%v", err, r)
	}
	return v
}

// The JSON shapes the tests read, as docs/cli.md documents them.
type (
	jobJSON struct {
		ID          string          `json:"id"`
		Name        string          `json:"name"`
		Queue       string          `json:"queue"`
		State       string          `json:"state"`
		Attempt     int             `json:"attempt"`
		MaxAttempts int             `json:"max_attempts"`
		Args        json.RawMessage `json:"args"`
		Result      json.RawMessage `json:"result"`
		LastError   string          `json:"last_error"`
		Errors      []struct {
			Attempt int    `json:"attempt"`
			Error   string `json:"error"`
		} `json:"errors"`
		EnqueuedAt *time.Time `json:"enqueued_at"`
		FinishedAt *time.Time `json:"finished_at"`
	}
	pageJSON struct {
		Jobs []jobJSON `json:"jobs"`
		Next string    `json:"next"`
	}
	queueJSON struct {
		Name   string         `json:"name"`
		Paused bool           `json:"paused"`
		Counts map[string]int `json:"counts"`
		Total  int            `json:"total"`
	}
	statsJSON struct {
		Store  string         `json:"store"`
		Queues int            `json:"queues"`
		Total  int            `json:"total"`
		Counts map[string]int `json:"counts"`
	}
	resultJSON struct {
		ID     string          `json:"id"`
		State  string          `json:"state"`
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	purgeJSON struct {
		Deleted int    `json:"deleted"`
		Queue   string `json:"queue"`
		State   string `json:"state"`
	}
)

func findQueue(qs []queueJSON, name string) *queueJSON {
	for i := range qs {
		if qs[i].Name == name {
			return &qs[i]
		}
	}
	return nil
}

// The jobs the tests seed stores with, run by a worker in the test.
type echoArgs struct {
	Word string `json:"word"`
}

var (
	e2eEcho = jobs.Define("e2e.echo", func(ctx context.Context, a echoArgs) (string, error) {
		if a.Word == "" {
			return "", jobs.Permanent(errors.New("nothing to echo"))
		}
		return strings.ToUpper(a.Word), nil
	})
)

func uniqueQueue(t *testing.T) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "e2e-" + hex.EncodeToString(b[:])
}

// seeded holds a succeeded and a dead job in queue q, and a queued one in
// q+"-idle" that no worker takes.
type seeded struct {
	q, idle           string
	ok, dead, waiting string
	c                 *jobs.Client
}

func seed(t *testing.T, url string) seeded {
	t.Helper()
	ctx := context.Background()
	c, err := jobs.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	s := seeded{q: uniqueQueue(t), c: c}
	s.idle = s.q + "-idle"
	t.Cleanup(func() {
		// Shared servers: leave nothing of ours behind.
		_, _ = c.Inspect().Purge(ctx, s.q, "")
		_, _ = c.Inspect().Purge(ctx, s.idle, "")
		_ = c.Inspect().Resume(ctx, s.q)
		c.Close()
	})
	stop := startWorker(t, c, s.q)
	ok, err := e2eEcho.Enqueue(ctx, c, echoArgs{"hi"}, jobs.Queue(s.q))
	if err != nil {
		t.Fatal(err)
	}
	dead, err := e2eEcho.Enqueue(ctx, c, echoArgs{}, jobs.Queue(s.q), jobs.Retries(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ok.Await(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := dead.Await(ctx); err == nil {
		t.Fatal("the failing job succeeded")
	}
	stop()
	waiting, err := e2eEcho.Enqueue(ctx, c, echoArgs{"later"}, jobs.Queue(s.idle))
	if err != nil {
		t.Fatal(err)
	}
	s.ok, s.dead, s.waiting = ok.ID(), dead.ID(), waiting.ID()
	return s
}

// startWorker runs a worker for queue in the test process.
func startWorker(t *testing.T, c *jobs.Client, queue string) (stop func()) {
	t.Helper()
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Queues: map[string]int{queue: 1}, Logger: slog.New(slog.DiscardHandler)}, e2eEcho)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	}
}

func TestAdminCommands(t *testing.T) {
	forEachStore(t, func(t *testing.T, sc storeCase) {
		s := seed(t, sc.url)
		st := func(args ...string) []string { return append(args, "--store", sc.url) }

		qs := decode[[]queueJSON](t, runSpindle(t, "", "", st("queues", "--json")...))
		if q := findQueue(qs, s.q); q == nil || q.Counts["succeeded"] != 1 || q.Counts["dead"] != 1 || q.Total != 2 {
			t.Errorf("queues --json, queue %s: %+v", s.q, q)
		}
		if q := findQueue(qs, s.idle); q == nil || q.Counts["queued"] != 1 {
			t.Errorf("queues --json, queue %s: %+v", s.idle, q)
		}
		if r := runSpindle(t, "", "", st("queues")...); r.code != 0 || !strings.Contains(r.out, s.q) {
			t.Errorf("queues: %v", r)
		}

		p := decode[pageJSON](t, runSpindle(t, "", "", st("jobs", "--queue", s.q, "--json")...))
		if len(p.Jobs) != 2 || p.Jobs[0].ID != s.ok || p.Jobs[1].ID != s.dead || p.Next != "" {
			t.Errorf("jobs --queue: %+v", p)
		}
		p = decode[pageJSON](t, runSpindle(t, "", "", st("jobs", "--queue", s.q, "--state", "dead", "--name", "e2e.echo", "--json")...))
		if len(p.Jobs) != 1 || p.Jobs[0].ID != s.dead {
			t.Errorf("jobs --state dead: %+v", p)
		}
		if r := runSpindle(t, "", "", st("jobs", "--queue", s.q, "--limit", "1")...); r.code != 0 || !strings.Contains(r.errOut, "--after "+s.ok) {
			t.Errorf("jobs --limit 1: %v", r)
		}

		j := decode[jobJSON](t, runSpindle(t, "", "", st("job", s.dead, "--json")...))
		if j.State != "dead" || j.LastError != "nothing to echo" || len(j.Errors) != 1 || j.Attempt != 1 || j.MaxAttempts != 1 || j.FinishedAt == nil {
			t.Errorf("job --json: %+v", j)
		}
		if r := runSpindle(t, "", "", st("job", s.ok)...); r.code != 0 || !strings.Contains(r.out, `"HI"`) {
			t.Errorf("job: %v", r)
		}

		if r := runSpindle(t, "", "", st("result", s.ok)...); r.code != 0 || r.out != "\"HI\"\n" {
			t.Errorf("result: %v", r)
		}
		wantFail(t, runSpindle(t, "", "", st("result", s.dead)...), 1, "dead after 1 attempt", "nothing to echo")
		wantFail(t, runSpindle(t, "", "", st("result", s.waiting)...), 1, "is queued", "--wait")
		wantFail(t, runSpindle(t, "", "", st("result", s.waiting, "--wait", "--timeout", "100ms")...), 1, "still queued after waiting 100ms")

		// result --wait in another process, woken when a worker here runs the job.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		waiter := exec.CommandContext(ctx, binary, st("result", s.waiting, "--wait", "--json")...)
		var wout bytes.Buffer
		waiter.Stdout = &wout
		if err := waiter.Start(); err != nil {
			t.Fatal(err)
		}
		stop := startWorker(t, s.c, s.idle)
		err := waiter.Wait()
		stop()
		if err != nil {
			t.Errorf("result --wait: %v", err)
		} else if res := decode[resultJSON](t, result{out: wout.String()}); res.State != "succeeded" || string(res.Result) != `"LATER"` {
			t.Errorf("result --wait --json: %+v", res)
		}

		if r := runSpindle(t, "", "", st("retry", s.dead)...); r.code != 0 || r.out != "retried "+s.dead+"\n" {
			t.Errorf("retry: %v", r)
		}
		if j := decode[jobJSON](t, runSpindle(t, "", "", st("job", s.dead, "--json")...)); j.State != "queued" || len(j.Errors) != 1 {
			t.Errorf("after retry: %+v", j)
		}
		if r := runSpindle(t, "", "", st("delete", s.dead)...); r.code != 0 || r.out != "deleted "+s.dead+"\n" {
			t.Errorf("delete: %v", r)
		}
		wantFail(t, runSpindle(t, "", "", st("job", s.dead)...), 1, "no job with ID "+s.dead)

		if r := runSpindle(t, "", "", st("pause", s.q)...); r.code != 0 || r.out != "paused queue "+s.q+"\n" {
			t.Errorf("pause: %v", r)
		}
		if q := findQueue(decode[[]queueJSON](t, runSpindle(t, "", "", st("queues", "--json")...)), s.q); q == nil || !q.Paused {
			t.Errorf("after pause: %+v", q)
		}
		wantOK(t, runSpindle(t, "", "", st("resume", s.q)...))
		if q := findQueue(decode[[]queueJSON](t, runSpindle(t, "", "", st("queues", "--json")...)), s.q); q == nil || q.Paused {
			t.Errorf("after resume: %+v", q)
		}

		stats := decode[statsJSON](t, runSpindle(t, "", "", st("stats", "--json")...))
		if stats.Total < 2 || stats.Queues < 1 || len(stats.Counts) != 7 || strings.Contains(stats.Store, secret) {
			t.Errorf("stats --json: %+v", stats)
		}
		if r := runSpindle(t, "", "", st("stats")...); r.code != 0 || !strings.Contains(r.out, "succeeded") {
			t.Errorf("stats: %v", r)
		}

		r := runSpindle(t, "", "", st("purge", "--state", "succeeded", "--queue", s.q)...)
		if r.code != 1 || !strings.Contains(r.errOut, "Delete 1 job (succeeded) from queue "+s.q) {
			t.Errorf("purge without confirmation: %v", r)
		}
		if r := runSpindle(t, "", "y\n", st("purge", "--state", "succeeded", "--queue", s.q)...); r.code != 0 || !strings.Contains(r.out, "deleted 1 job") {
			t.Errorf("purge confirmed: %v", r)
		}
		pj := decode[purgeJSON](t, runSpindle(t, "", "", st("purge", "--state", "all", "--queue", s.idle, "--yes", "--json")...))
		if pj.Deleted != 1 || pj.Queue != s.idle || pj.State != "all" {
			t.Errorf("purge --json: %+v", pj)
		}
		qs = decode[[]queueJSON](t, runSpindle(t, "", "", st("queues", "--json")...))
		if findQueue(qs, s.q) != nil || findQueue(qs, s.idle) != nil {
			t.Errorf("queues left after purging: %+v", qs)
		}
	})
}

func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, sc storeCase) {
		st := func(args ...string) []string { return append(args, "--store", sc.url) }
		missing := "01JZZZZZZZZZZZZZZZZZZZZZZZ"
		for _, tc := range []struct {
			args     []string
			code     int
			mentions []string
		}{
			{st("job", missing), 1, []string{"no job with ID " + missing}},
			{st("result", missing), 1, []string{"no job with ID"}},
			{st("retry", missing), 1, []string{"no job with ID"}},
			{st("delete", missing), 1, []string{"no job with ID"}},
			{st("jobs", "--state", "done"), 2, []string{`"done" is not a job state`}},
			{st("purge", "--state", "done", "--yes"), 2, []string{"accepted:"}},
			{st("job"), 2, []string{"needs a job ID"}},
			{st("pause"), 2, []string{"needs a queue name"}},
			{st("retry"), 2, []string{"at least one job ID"}},
			{st("revoke", missing), 1, []string{"no job with ID"}},
			{st("restore", missing), 1, []string{"no job with ID"}},
			{st("revoke"), 2, []string{"needs job IDs, or --name NAME"}},
			{st("revoke", "--name", "x y"), 2, []string{"is not a job name"}},
			{st("revoke", "--name", "e2e.never", "--once", "--until", "1h"), 2, []string{"cannot be combined"}},
			{st("restore", "--name", "e2e.never-revoked"), 1, []string{"no revocation of e2e.never-revoked"}},
			{st("workers", "x"), 2, []string{"takes no arguments"}},
			{[]string{"workers", "--store", sc.unreachable, "--connect-timeout", "5s"}, 1, nil},
			{[]string{"revocations", "--store", sc.unreachable, "--connect-timeout", "5s"}, 1, nil},
			{st("purge"), 2, []string{"needs --state"}},
			{st("jobs", "--limit", "x"), 2, []string{"invalid argument"}},
			{st("frobnicate"), 2, []string{"unknown command"}},
			{[]string{"queues", "--store", "nonsense"}, 1, []string{"no scheme", "accepted"}},
			{[]string{"queues", "--store", "mysql://root:" + secret + "@db/app"}, 1, []string{"unknown scheme", "xxxxx"}},
			{[]string{"queues", "--store", sc.unreachable, "--connect-timeout", "5s"}, 1, nil},
			{[]string{"job", missing, "--store", sc.unreachable, "--connect-timeout", "5s"}, 1, nil},
			{[]string{"demo", "-n", "1", "--store", sc.unreachable, "--connect-timeout", "5s"}, 1, nil},
		} {
			wantFail(t, runSpindle(t, "", "", tc.args...), tc.code, tc.mentions...)
		}
	})
}

func TestDemo(t *testing.T) {
	forEachStore(t, func(t *testing.T, sc storeCase) {
		r := runSpindle(t, "", "", "demo", "-n", "20", "--store", sc.url)
		wantOK(t, r)
		for _, want := range []string{"Spindle demo: 23 durable jobs", "Summary", "jobs/s", "receipt for order 1138 sent"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("demo lacks %q:\n%s", want, r.out)
			}
		}
		if !strings.Contains(r.errOut, "demo: 23/23 100%") || strings.ContainsAny(r.errOut, "\r\033") {
			t.Errorf("progress on a pipe is not plain lines: %q", r.errOut)
		}
		r = runSpindle(t, "", "", "demo", "-n", "20", "--store", sc.url)
		wantOK(t, r)
		if !strings.Contains(r.out, "Cleared 23 jobs an earlier run left") {
			t.Errorf("second run:\n%s", r.out)
		}
		p := decode[pageJSON](t, runSpindle(t, "", "", "jobs", "--queue", "spindle-demo", "--state", "dead", "--json", "--store", sc.url))
		if len(p.Jobs) != 1 || p.Jobs[0].Name != "demo.import" || p.Jobs[0].Attempt != 3 {
			t.Errorf("the demo's dead job: %+v", p)
		}
		_ = runSpindle(t, "", "", "purge", "--state", "all", "--queue", "spindle-demo", "--yes", "--store", sc.url)
	})
}

// TestDemoOnAFreshCheckout is the README's command: no flags, in an empty
// working directory, twice.
func TestDemoOnAFreshCheckout(t *testing.T) {
	dir := t.TempDir()
	wantOK(t, runSpindle(t, dir, "", "demo", "-n", "8"))
	if _, err := os.Stat(filepath.Join(dir, "spindle.db")); err != nil {
		t.Errorf("the demo did not create spindle.db in the working directory: %v", err)
	}
	r := runSpindle(t, dir, "", "demo", "-n", "8")
	wantOK(t, r)
	if !strings.Contains(r.out, "in sqlite:spindle.db") {
		t.Errorf("second run:\n%s", r.out)
	}
	if r := runSpindle(t, dir, "", "queues"); r.code != 0 || !strings.Contains(r.out, "spindle-demo") {
		t.Errorf("queues after the demo: %v", r)
	}
}

func TestDemoInterrupted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "demo", "-n", "2000", "--store", "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the demo has started its batch.
	buf := make([]byte, 4096)
	var seen bytes.Buffer
	for !bytes.Contains(seen.Bytes(), []byte("order chain")) {
		n, err := stdout.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			t.Fatalf("the demo ended before it started: %v\n%s", err, seen.String())
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	_, _ = seen.ReadFrom(stdout)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("interrupted demo: %v, want exit 1", err)
	}
	last := strings.TrimSpace(errOut.String())
	last = last[strings.LastIndexByte(last, '\n')+1:]
	if !strings.HasPrefix(last, "spindle: demo stopped after") || !strings.HasSuffix(last, "interrupted") {
		t.Errorf("interrupted demo's last line: %q\n%s", last, errOut.String())
	}
}

// benchLines parses benchmark output into its JSON lines.
func benchLines(t *testing.T, r result) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q\n%v", l, r)
		}
		out = append(out, m)
	}
	return out
}

func TestBench(t *testing.T) {
	forEachStore(t, func(t *testing.T, sc storeCase) {
		r := runSpindle(t, "", "", "bench", "q1", "-n", "200", "--store", sc.url)
		wantOK(t, r)
		lines := benchLines(t, r)
		if len(lines) != 1 || lines[0]["workload"] != "q1" || lines[0]["store"] != sc.name || lines[0]["n"] != 200.0 || lines[0]["workers"] != 8.0 {
			t.Errorf("q1: %v", lines)
		}
		for _, k := range []string{"seconds", "enqueue_per_s", "bulk_enqueue_per_s", "process_per_s"} {
			if v, _ := lines[0][k].(float64); v <= 0 {
				t.Errorf("q1 %s = %v", k, lines[0][k])
			}
		}

		// Both clients: the second starts this binary again as the worker.
		r = runSpindle(t, "", "", "bench", "q2", "-n", "20", "--store", sc.url)
		wantOK(t, r)
		lines = benchLines(t, r)
		if len(lines) != 2 || lines[0]["client"] != "in-process" || lines[1]["client"] != "other-process" {
			t.Fatalf("q2: %v", lines)
		}
		for _, m := range lines {
			for _, k := range []string{"p50_ms", "p90_ms", "p99_ms", "max_ms"} {
				if v, _ := m[k].(float64); v <= 0 {
					t.Errorf("q2 %s %s = %v", m["client"], k, m[k])
				}
			}
		}
		if !strings.Contains(r.errOut, "q2 run 1, other-process") {
			t.Errorf("q2 progress: %q", r.errOut)
		}

		// q5: a Map awaited at once, run by a worker in another process.
		r = runSpindle(t, "", "", "bench", "q5", "-n", "50", "--store", sc.url)
		wantOK(t, r)
		lines = benchLines(t, r)
		if len(lines) != 2 || lines[0]["await"] != "group" || lines[1]["await"] != "gather" {
			t.Fatalf("q5: %v", lines)
		}
		for _, m := range lines {
			for _, k := range []string{"seconds", "enqueue_seconds", "peak_goroutines", "base_goroutines"} {
				if v, _ := m[k].(float64); v <= 0 {
					t.Errorf("q5 %s %s = %v", m["await"], k, m[k])
				}
			}
			// With 50 jobs the worker in the other process may finish
			// them all before Map returns here: process_seconds is then
			// not positive and the ratio 0, as the command documents.
			if p, ok := m["process_seconds"].(float64); !ok {
				t.Errorf("q5 %s process_seconds = %v", m["await"], m["process_seconds"])
			} else if r, _ := m["await_over_process"].(float64); (p > 0) != (r > 0) {
				t.Errorf("q5 %s await_over_process = %v with process_seconds %v", m["await"], r, p)
			}
		}
		if st := decode[[]queueJSON](t, runSpindle(t, "", "", "queues", "--json", "--store", sc.url)); findQueue(st, "spindle-bench") != nil {
			t.Errorf("bench left its queue behind: %+v", st)
		}
	})
}

func TestBenchDefaultStoreAndL1(t *testing.T) {
	dir := t.TempDir()
	r := runSpindle(t, dir, "", "bench", "q1", "-n", "100")
	wantOK(t, r)
	if l := benchLines(t, r); len(l) != 1 || l[0]["store"] != "sqlite" {
		t.Errorf("q1 on the default store: %v", l)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bench without --store wrote into the working directory: %v", entries)
	}

	r = runSpindle(t, "", "", "bench", "l1", "-n", "2000", "--count", "2")
	wantOK(t, r)
	lines := benchLines(t, r)
	if len(lines) != 2*3*3 {
		t.Fatalf("l1: %d lines, want 18\n%v", len(lines), r)
	}
	for _, m := range lines {
		if rss, ok := m["peak_rss_bytes"].(float64); !ok || rss < 1<<20 {
			t.Errorf("l1 peak_rss_bytes = %v: %v", m["peak_rss_bytes"], m)
		}
		if v, _ := m["ns_per_task"].(float64); v <= 0 {
			t.Errorf("l1 ns_per_task: %v", m)
		}
	}
}

func TestCompletionScript(t *testing.T) {
	r := runSpindle(t, "", "", "completion", "bash")
	wantOK(t, r)
	if !strings.Contains(r.out, "__start_spindle") {
		t.Errorf("bash completion:\n%.300s", r.out)
	}
	r = runSpindle(t, "", "", "__complete", "jobs", "--state", "d")
	if r.code != 0 || !strings.Contains(r.out, "\ndead\n") {
		t.Errorf("completing --state d: %v", r)
	}
}
