package redis_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// privateServer is a redis-server this test started on a free loopback
// port, with an append-only file synced on every write, in a temporary
// directory. Tests that stop or restart Redis use one, never the shared
// server.
type privateServer struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// startPrivateServer starts a redis-server, or skips the test when the
// binary is not installed.
func startPrivateServer(t testing.TB) *privateServer {
	t.Helper()
	redisURL(t) // Redis tests run only where Redis is set up
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed: tests that restart Redis are skipped")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ps := &privateServer{t: t, bin: bin, dir: t.TempDir(), port: port}
	ps.start()
	t.Cleanup(ps.kill)
	return ps
}

// URL is the server's redis:// URL.
func (ps *privateServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", ps.port) }

func (ps *privateServer) start() {
	ps.t.Helper()
	if err := ps.tryStart(); err != nil {
		ps.t.Fatal(err)
	}
}

// tryStart starts the server and waits until it answers; it may be
// called from any goroutine.
func (ps *privateServer) tryStart() error {
	ps.cmd = exec.Command(ps.bin, "--port", strconv.Itoa(ps.port), "--bind", "127.0.0.1",
		"--dir", ps.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
		"--logfile", filepath.Join(ps.dir, "redis.log"))
	if err := ps.cmd.Start(); err != nil {
		return err
	}
	ps.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(ps.cmd, ps.done)
	c := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", ps.port), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(ps.dir, "redis.log"))
			return fmt.Errorf("private redis-server did not answer: %v\nlog:\n%s", err, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill stops the server at once (SIGKILL: no shutdown save) and waits.
func (ps *privateServer) kill() {
	if ps.cmd == nil || ps.cmd.Process == nil {
		return
	}
	_ = ps.cmd.Process.Kill()
	<-ps.done
}

// restart kills the server and, after down, starts it again on the same
// port and append-only file, in the background. The returned channel
// delivers the start's error (nil once it answers).
func (ps *privateServer) restart(down time.Duration) <-chan error {
	ps.kill()
	done := make(chan error, 1)
	go func() {
		time.Sleep(down)
		done <- ps.tryStart()
	}()
	return done
}

// client returns a plain client of the server.
func (ps *privateServer) client() *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", ps.port)})
	ps.t.Cleanup(func() { c.Close() })
	return c
}

// cpu reports the server's CPU time so far (user + system), from INFO.
func (ps *privateServer) cpu() time.Duration {
	c := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", ps.port)})
	defer c.Close()
	info, err := c.InfoMap(context.Background(), "cpu").Result()
	if err != nil {
		ps.t.Fatal(err)
	}
	u, _ := strconv.ParseFloat(info["CPU"]["used_cpu_user"], 64)
	s, _ := strconv.ParseFloat(info["CPU"]["used_cpu_sys"], 64)
	return time.Duration((u + s) * float64(time.Second))
}
