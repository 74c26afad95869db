//go:build fault

package faulttest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/servertest"
)

// PostgreSQL backend terminated mid-run: while 64 producers and a
// worker use the store, an admin connection (psql) calls
// pg_terminate_backend on every backend serving this test process, and
// only those, so parallel tests on the shared server are untouched; five
// times in a row each round, so that the store's own reconnects meet
// terminated sessions too. Nothing acknowledged may be lost and every
// enqueue must return. The store commits with synchronous_commit on, set
// in the URL.
const terminateBursts = 5 // terminations per round

func TestPostgresBackendTerminated(t *testing.T) {
	requirePsql(t)
	u := storeNamed("postgres").url(t) // skips until jobs.Open accepts postgres:// URLs
	// The store's URL only: libpq, under psql, refuses the parameter.
	storeURL := servertest.WithParam(t, u, "synchronous_commit", "on")
	terminated := 0
	throughOutages(t, "postgres-terminate", "postgres", storeURL, func(round int) {
		n := 0
		for range terminateBursts {
			n += terminateBackends(t, u, os.Getpid())
		}
		if n == 0 {
			t.Fatalf("round %d: the store had no connection to terminate", round)
		}
		terminated += n
	})
	t.Logf("%d backends terminated in %d rounds of %d", terminated, outageRounds, terminateBursts)
}

// TestPostgresHarness checks the harness itself, before any PostgreSQL
// store exists: the backend of a psql process is found by its client port
// and terminated, and psql sees it.
func TestPostgresHarness(t *testing.T) {
	u := os.Getenv("SPINDLE_POSTGRES_URL")
	if u == "" {
		t.Skip("SPINDLE_POSTGRES_URL is not set")
	}
	requirePsql(t)
	cmd := exec.Command("psql", "-X", "-v", "ON_ERROR_STOP=1", u, "-c", "SELECT pg_sleep(60)")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(30 * time.Second)
	n := 0
	for n == 0 {
		if time.Now().After(deadline) {
			t.Fatal("psql's backend was never found")
		}
		time.Sleep(20 * time.Millisecond)
		n = terminateBackends(t, u, cmd.Process.Pid)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(out.String(), "terminating connection") {
			t.Fatalf("psql after its backend was terminated: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("psql still runs after its backend was terminated\n%s", out.String())
	}
}

func requirePsql(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql is not installed (the admin connection uses it)")
	}
}

// terminateBackends ends the PostgreSQL backends serving process pid's
// connections to the server of pgURL, found by their client ports, and
// returns how many it ended.
func terminateBackends(t *testing.T, pgURL string, pid int) int {
	t.Helper()
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatalf("SPINDLE_POSTGRES_URL: %v", err)
	}
	port := 5432
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	ports := clientPorts(t, pid, port)
	if len(ports) == 0 {
		return 0
	}
	list := make([]string, len(ports))
	for i, p := range ports {
		list[i] = strconv.Itoa(p)
	}
	admin := *u
	params := admin.Query()
	params.Del("schema") // the store's parameter; libpq refuses it
	admin.RawQuery = params.Encode()
	q := fmt.Sprintf("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE client_port IN (%s) AND backend_type = 'client backend' AND pid <> pg_backend_pid()", strings.Join(list, ","))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", admin.String(), "-c", q)
	var stderr strings.Builder
	cmd.Stderr = &stderr // warnings, such as a backend that exited meanwhile
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, stderr.String())
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("psql answered %q", out)
	}
	return n
}

// clientPorts lists the local ports of process pid's TCP connections to
// remote port remote, from /proc (Linux).
func clientPorts(t *testing.T, pid, remote int) []int {
	t.Helper()
	fds, err := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	if err != nil {
		t.Fatal(err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var ports []int
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !inodes[fields[9]] {
				continue
			}
			_, lport, _ := strings.Cut(fields[1], ":")
			_, rport, _ := strings.Cut(fields[2], ":")
			r, _ := strconv.ParseInt(rport, 16, 32)
			l, _ := strconv.ParseInt(lport, 16, 32)
			if int(r) == remote {
				ports = append(ports, int(l))
			}
		}
		f.Close()
	}
	return ports
}
