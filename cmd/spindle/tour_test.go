package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/spindlehq/spindle/cli"
)

// runCaptured runs the command in-process and returns its exit code and
// what it wrote to stdout and stderr.
func runCaptured(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	code := cli.Execute(context.Background(), root, args)
	return code, out.String(), errOut.String()
}

func TestTourRunsEveryScenario(t *testing.T) {
	// In a bubble, the scenarios' sleeps end in the order of their
	// durations however loaded the machine is (they are what the output
	// shows: "first done: 1" is the shortest sleep winning).
	var code int
	var out, errOut string
	synctest.Test(t, func(t *testing.T) {
		code, out, errOut = runCaptured(t, "tour", "--unit", "1ms")
	})
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
			t.Errorf("tour output lacks %q:\n%s", want, out)
		}
	}
}

func TestTourUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"tour", "--unit", "-1s"},
		{"tour", "--bogus"},
		{"tour", "extra-arg"},
	} {
		code, _, errOut := runCaptured(t, args...)
		if code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, cli.ExitUsage, errOut)
		}
		if !strings.HasPrefix(errOut, "spindle: ") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: want one clear line on stderr, got %q", args, errOut)
		}
	}
}

func TestHelpListsTheCommands(t *testing.T) {
	code, out, _ := runCaptured(t, "--help")
	for _, want := range []string{"demo", "tour", "queues", "jobs", "bench", "completion"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("help (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	if regexp.MustCompile(`(?m)^\s+(worker|enqueue)\s`).MatchString(out) {
		t.Errorf("the spindle binary runs no jobs of its own, but its help offers worker or enqueue:\n%s", out)
	}
}

func TestCanceledContextStopsTour(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := newRoot()
	root.SetOut(io.Discard)
	var errOut bytes.Buffer
	root.SetErr(&errOut)
	if code := cli.Execute(ctx, root, []string{"tour"}); code != cli.ExitFailed {
		t.Fatalf("exit %d with a cancelled context, want %d; stderr %q", code, cli.ExitFailed, errOut.String())
	}
}
