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

// TestDashServes starts the command on a free loopback port, reads the
// page and /metrics, and stops it with SIGINT.
func TestDashServes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "dash", "--store", "memory:", "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("first line: %q, %v", line, err)
	}
	_, rest, ok := strings.Cut(line, "http://")
	url, _, _ := strings.Cut(rest, " ")
	if !ok || !strings.HasPrefix(url, "127.0.0.1:") {
		t.Fatalf("first line %q does not give the address", line)
	}
	for path, want := range map[string]string{"": "<title>Spindle dashboard</title>", "metrics": "spindle_oldest_queued_job_age_seconds", "metrics#": "go_goroutines", "api/workers": `"workers":[]`} {
		path, _, _ = strings.Cut(path, "#")
		res, err := http.Get("http://" + url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET /%s: %s, body lacks %q", path, res.Status, want)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGINT: %v", err)
	}
}
