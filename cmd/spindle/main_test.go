package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runCaptured runs the command in-process and returns its exit code and
// what it wrote to stdout and stderr.
func runCaptured(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	code := runRoot(context.Background(), root, args)
	return code, out.String(), errOut.String()
}

func TestDemoRunsEveryScenario(t *testing.T) {
	code, out, errOut := runCaptured(t, "demo", "--unit", "1ms")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
	for _, want := range []string{
		"[g1.1 g1.2 g1.3 g1.4 g1.5]",
		"group failed with: payment service answered 503",
		"first done: 1, still pending: 4",
		"expired: true, timeout: true, cancel: false",
		"shielded work: order 1138 saved",
		"future resolved with 555",
		"All 6 scenarios done",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "--unit", "-1s"},
		{"demo", "--bogus"},
		{"demo", "extra-arg"},
		{"no-such-command"},
	} {
		code, _, errOut := runCaptured(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, errOut)
		}
		if !strings.HasPrefix(errOut, "spindle: ") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: want one clear line on stderr, got %q", args, errOut)
		}
	}
}

func TestHelpMentionsDemo(t *testing.T) {
	code, out, _ := runCaptured(t, "--help")
	if code != 0 || !strings.Contains(out, "demo") {
		t.Fatalf("help exit %d:\n%s", code, out)
	}
}

func TestCanceledContextStopsDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := newRoot()
	root.SetOut(io.Discard)
	var errOut bytes.Buffer
	root.SetErr(&errOut)
	if code := runRoot(ctx, root, []string{"demo"}); code != exitFailed {
		t.Fatalf("exit %d with a cancelled context, want %d; stderr %q", code, exitFailed, errOut.String())
	}
}
