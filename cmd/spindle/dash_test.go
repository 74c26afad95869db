package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/cli"
)

func TestDashRefusesExposedAddrWithoutToken(t *testing.T) {
	t.Setenv("SPINDLE_DASH_TOKEN", "")
	r := runSpindle(t, "", "", "dash", "--store", "memory:", "--addr", "0.0.0.0:8080")
	wantFail(t, r, cli.ExitUsage, "refusing to listen on 0.0.0.0:8080", "without a token", "SPINDLE_DASH_TOKEN")
}

func TestDashShortToken(t *testing.T) {
	r := runSpindle(t, "", "", "dash", "--store", "memory:", "--addr", "127.0.0.1:0", "--token", "short")
	wantFail(t, r, cli.ExitUsage, "at least 16")
}

func TestDashHidesStorePassword(t *testing.T) {
	r := runSpindle(t, "", "", "dash", "--store", "bogus://user:"+secret+"@host/db")
	wantFail(t, r, cli.ExitFailed)
}

// startDash starts `spindle dash` on a memory store and a free loopback
// port with extra arguments, and returns the base URL its first line
// gives. When the test ends it stops the command with SIGINT, which must
// exit 0.
func startDash(t *testing.T, extra ...string) string {
	t.Helper()
	url, _ := startDashLine(t, extra...)
	return url
}

// startDashLine is startDash, also returning the whole first line.
func startDashLine(t *testing.T, extra ...string) (url, line string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	cmd := exec.CommandContext(ctx, binary, append([]string{"dash", "--store", "memory:", "--addr", "127.0.0.1:0"}, extra...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer cancel()
		http.DefaultClient.CloseIdleConnections()
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Error(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("after SIGINT: %v", err)
		}
	})
	line, err = bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("first line: %q, %v", line, err)
	}
	_, rest, ok := strings.Cut(line, " on ")
	url, _, _ = strings.Cut(rest, " ")
	if !ok || !strings.Contains(url, "://127.0.0.1:") {
		t.Fatalf("first line %q does not give the address", line)
	}
	return url, line
}

// TestDashAllInterfacesLine: listening on 0.0.0.0, the first line gives
// an address a browser opens, and says that it listens on every
// interface; the page answers there.
func TestDashAllInterfacesLine(t *testing.T) {
	url, line := startDashLine(t, "--addr", "0.0.0.0:0", "--token", "0123456789abcdef-test")
	if strings.Contains(line, "0.0.0.0") || strings.Contains(line, "[::]") || !strings.Contains(line, "listening on all interfaces") {
		t.Errorf("first line %q: want a loopback URL and a word that it listens on all interfaces", line)
	}
	res, err := http.Get(url + "login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET %slogin: %s", url, res.Status)
	}
}

// TestDashServes reads the page, /metrics and the API from the command.
func TestDashServes(t *testing.T) {
	url := startDash(t)
	if !strings.HasPrefix(url, "http://") {
		t.Fatalf("URL %s: want http://", url)
	}
	for path, want := range map[string]string{"": "<title>Spindle dashboard</title>", "metrics": "spindle_oldest_queued_job_age_seconds", "metrics#": "go_goroutines", "api/workers": `"workers":[]`} {
		path, _, _ = strings.Cut(path, "#")
		res, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET /%s: %s, body lacks %q", path, res.Status, want)
		}
	}
}
