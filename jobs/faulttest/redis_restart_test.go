//go:build fault

package faulttest

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Redis with appendonly restarted mid-run: a private redis-server on a
// free loopback port, its append-only file in a temp dir, killed with
// SIGKILL or stopped with SIGTERM and started again on the same file
// while 64 producers and a worker use it. Nothing acknowledged may be
// lost, and every enqueue must return, acknowledged or with an error.
func TestRedisRestartAppendOnly(t *testing.T) {
	if !schemeAccepted("redis://127.0.0.1:1/0") {
		t.Skip("jobs.Open does not accept redis:// URLs yet; this test then runs unmodified")
	}
	srv := startRedis(t)
	throughOutages(t, "redis-restart", "redis", srv.url(), func(round int) {
		sig := syscall.SIGKILL
		if round%2 == 1 {
			sig = syscall.SIGTERM
		}
		// Down long enough that the producers' calls meet the refused
		// connections, not only the writes in flight at the kill.
		srv.restart(t, sig, redisDown)
	})
}

// TestRedisHarness checks the harness itself, before any Redis store
// exists: a key written before a SIGKILL is there after the restart.
func TestRedisHarness(t *testing.T) {
	srv := startRedis(t)
	if got := srv.do(t, "SET", "k", "v"); got != "+OK" {
		t.Fatalf("SET: %q", got)
	}
	srv.restart(t, syscall.SIGKILL, 0)
	if got := srv.do(t, "GET", "k"); got != "$1 v" {
		t.Fatalf("GET after a SIGKILL and restart: %q", got)
	}
	srv.restart(t, syscall.SIGTERM, 0)
	if got := srv.do(t, "GET", "k"); got != "$1 v" {
		t.Fatalf("GET after a SIGTERM and restart: %q", got)
	}
}

// redisServer is a private redis-server with appendonly on.
type redisServer struct {
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	s := &redisServer{dir: t.TempDir(), port: freePort(t)}
	s.start(t)
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	})
	return s
}

func (s *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

func (s *redisServer) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command("redis-server", "--port", fmt.Sprint(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
		"--logfile", filepath.Join(s.dir, "redis.log"))
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(s.cmd, s.done)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second); err == nil {
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.TrimSpace(line) == "+PONG" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on port %d did not answer", s.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// redisDown is how long TestRedisRestartAppendOnly keeps the server
// down at each restart.
const redisDown = 1500 * time.Millisecond

// restart stops the server with sig, waits for it to exit, and after down
// starts it again on the same append-only file and port.
func (s *redisServer) restart(t *testing.T, sig syscall.Signal, down time.Duration) {
	t.Helper()
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("redis-server did not exit on %v", sig)
	}
	time.Sleep(down)
	s.start(t)
}

// do sends one command and returns the reply's first line, with a bulk
// string's value appended.
func (s *redisServer) do(t *testing.T, args ...string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c, "$%d\r\n%s\r\n", len(a), a)
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "$") && line != "$-1" {
		v, _ := r.ReadString('\n')
		line += " " + strings.TrimSpace(v)
	}
	return line
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
