package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "userbinary-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "userbinary")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the example:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	os.Unsetenv("SPINDLE_STORE")
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { os.RemoveAll(dir) }))
}

// run runs the built example and returns its exit code and output.
func run(t *testing.T, store string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "SPINDLE_STORE="+store)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

// TestWorkerAndEnqueue runs the example as a user would: a worker in one
// process, jobs enqueued and awaited from others, and the worker stopped
// with SIGTERM.
func TestWorkerAndEnqueue(t *testing.T) {
	store := "sqlite:" + filepath.Join(t.TempDir(), "jobs.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	worker := exec.CommandContext(ctx, binary, "worker", "--concurrency", "4")
	worker.Env = append(os.Environ(), "SPINDLE_STORE="+store)
	logs, err := worker.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	if first := <-lines; !strings.Contains(first, "worker started") || !strings.Contains(first, `queues="images=1,mail=1"`) {
		t.Fatalf("the worker's first log line: %q", first)
	}

	code, out, errOut := run(t, store, "enqueue", "images.resize", `{"image":"cat.png","width":200}`, "--wait", "--timeout", "30s")
	if code != 0 || out != "\"cat@200w\"\n" {
		t.Errorf("enqueue images.resize --wait: exit %d, %q, %q", code, out, errOut)
	}
	code, out, _ = run(t, store, "enqueue", "mail.send", `{"to":"ana@example.com","subject":"hi"}`)
	id := strings.TrimSpace(out)
	if code != 0 || len(id) != 26 {
		t.Fatalf("enqueue mail.send: exit %d, %q", code, out)
	}
	if code, out, errOut := run(t, store, "result", id, "--wait", "--timeout", "30s"); code != 0 || out != "\"sent to ana@example.com\"\n" {
		t.Errorf("result --wait: exit %d, %q, %q", code, out, errOut)
	}
	code, _, errOut = run(t, store, "enqueue", "mail.send", `{"to":"nobody"}`, "--wait", "--timeout", "30s")
	if code != 1 || !strings.Contains(errOut, "dead after 1 attempt: no such mailbox: nobody") {
		t.Errorf("a failing job: exit %d, %q", code, errOut)
	}
	if code, out, _ := run(t, store, "jobs", "--state", "dead", "--json"); code != 0 || !strings.Contains(out, `"mail.send"`) {
		t.Errorf("jobs --state dead: exit %d\n%s", code, out)
	}

	if err := worker.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	if err := worker.Wait(); err != nil {
		t.Errorf("the worker after SIGTERM: %v\n%s", err, strings.Join(rest, "\n"))
	}
	if len(rest) == 0 || !strings.Contains(rest[len(rest)-1], "worker stopped") {
		t.Errorf("the worker's last log lines: %q", rest)
	}
}

func TestBadInput(t *testing.T) {
	store := "sqlite:" + filepath.Join(t.TempDir(), "jobs.db")
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"enqueue", "images.crop", "{}"}, 2, `no job named "images.crop" in this binary; it defines: images.resize, mail.send`},
		{[]string{"enqueue", "images.resize", `{"image":"a.png","widht":3}`}, 2, `unknown field "widht"`},
		{[]string{"enqueue", "images.resize"}, 2, "needs a job name and its JSON arguments"},
		{[]string{"worker", "--queue", "images=x"}, 2, "weight"},
		{[]string{"job", "01JZZZZZZZZZZZZZZZZZZZZZZZ"}, 1, "no job with ID"},
	} {
		code, out, errOut := run(t, store, tc.args...)
		if code != tc.code || out != "" || !strings.HasPrefix(errOut, "userbinary: ") || !strings.Contains(errOut, tc.says) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d (want %d), stdout %q, stderr %q (want one line saying %q)", tc.args, code, tc.code, out, errOut, tc.says)
		}
	}
}

func TestHelpNamesTheBinaryAndItsJobs(t *testing.T) {
	code, out, _ := run(t, "", "--help")
	for _, want := range []string{"Run this program's jobs:", "worker", "enqueue", "queues", "userbinary demo"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run(t, "", "enqueue", "--help")
	for _, want := range []string{"images.resize", "args main.Resize, queue images", "mail.send", "userbinary enqueue images.resize"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("enqueue --help lacks %q:\n%s", want, out)
		}
	}
}
