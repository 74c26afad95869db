package servertest

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

// RedisServer is a redis-server a test started on a free loopback port,
// with an append-only file synced on every write, in a temporary
// directory. Tests that stop, restart or measure Redis use one, never the
// shared server, whose other clients would disturb them. Its methods are
// for the test's goroutines; Restart's background start is the exception
// it documents.
type RedisServer struct {
	tb   testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// StartRedis starts a redis-server, killed when tb ends. It skips tb
// where RedisEnv is unset (Redis tests run only where Redis is set up)
// or the binary is not installed.
func StartRedis(tb testing.TB) *RedisServer {
	tb.Helper()
	URL(tb, RedisEnv)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip("redis-server is not installed: tests that need a private Redis are skipped")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &RedisServer{tb: tb, bin: bin, dir: tb.TempDir(), port: port}
	if err := s.tryStart(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Kill)
	return s
}

// URL is the server's redis:// URL.
func (s *RedisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// tryStart starts the server and waits until it answers; it may be
// called from any goroutine.
func (s *RedisServer) tryStart() error {
	s.cmd = exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
		"--logfile", filepath.Join(s.dir, "redis.log"))
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(s.cmd, s.done)
	c := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.port), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("private redis-server did not answer: %v\nlog:\n%s", err, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Kill stops the server at once (SIGKILL: no shutdown save) and waits.
func (s *RedisServer) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Restart kills the server and, after down, starts it again on the same
// port and append-only file, in the background. The returned channel
// delivers the start's error (nil once it answers).
func (s *RedisServer) Restart(down time.Duration) <-chan error {
	s.Kill()
	done := make(chan error, 1)
	go func() {
		time.Sleep(down)
		done <- s.tryStart()
	}()
	return done
}

// Client returns a plain client of the server, closed when the test
// ends.
func (s *RedisServer) Client() *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.port)})
	s.tb.Cleanup(func() { c.Close() })
	return c
}

// CPU reports the server's CPU time so far (user + system), from INFO.
func (s *RedisServer) CPU() time.Duration {
	info := s.Info("cpu")
	u, _ := strconv.ParseFloat(info["used_cpu_user"], 64)
	sys, _ := strconv.ParseFloat(info["used_cpu_sys"], 64)
	return time.Duration((u + sys) * float64(time.Second))
}

// Commands reports how many commands the server has processed (INFO
// stats total_commands_processed), those that scripts call included.
func (s *RedisServer) Commands() int64 {
	n, _ := strconv.ParseInt(s.Info("stats")["total_commands_processed"], 10, 64)
	return n
}

// Info returns one section of INFO as field to value.
func (s *RedisServer) Info(section string) map[string]string {
	c := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.port)})
	defer c.Close()
	info, err := c.InfoMap(context.Background(), section).Result()
	if err != nil {
		s.tb.Fatal(err)
	}
	for _, fields := range info {
		return fields
	}
	return nil
}
