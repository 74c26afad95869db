package redis_test

// Tests and benchmarks with several processes on one Redis. The test
// binary re-executes itself with childRoleEnv set; TestMain then runs
// runChild instead of the tests.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/internal/crontest"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/redis"
)

const (
	childRoleEnv  = "SPINDLE_REDIS_TEST_CHILD"
	childURLEnv   = "SPINDLE_REDIS_TEST_URL" // the store URL, namespace included
	childLeaseEnv = "SPINDLE_REDIS_TEST_LEASE"
	childIDsEnv   = "SPINDLE_REDIS_TEST_IDS"
	childCronEnv  = "SPINDLE_REDIS_TEST_CRON" // a worker's schedule spec; see crontest.ChildOptions
)

var quiet = slog.New(slog.DiscardHandler)

type ran struct {
	N   int `json:"n"`
	Pid int `json:"pid"`
}

type runArgs struct {
	N     int           `json:"n"`
	Sleep time.Duration `json:"sleep"`
}

// mpRun runs in worker processes, takes Sleep, and says which process
// ran it.
var mpRun = jobs.Define("mp.run", func(ctx context.Context, a runArgs) (ran, error) {
	if a.Sleep > 0 {
		select {
		case <-time.After(a.Sleep):
		case <-ctx.Done():
			return ran{}, context.Cause(ctx)
		}
	}
	return ran{N: a.N, Pid: os.Getpid()}, nil
})

type benchArgs struct {
	N int `json:"n"`
}

var benchRan atomic.Int64

var benchNoop = jobs.Define("bench.noop", func(ctx context.Context, a benchArgs) (struct{}, error) {
	benchRan.Add(1)
	return struct{}{}, nil
})

var benchDouble = jobs.Define("bench.double", func(ctx context.Context, a benchArgs) (int, error) {
	return a.N * 2, nil
})

// runChild is the body of a child process; it returns the exit code.
func runChild(role string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	copts, schedules, err := crontest.ChildOptions(mpTick, os.Getenv(childCronEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	c, err := jobs.Open(ctx, os.Getenv(childURLEnv), copts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	defer c.Close()
	switch role {
	case "worker":
		lease, err := time.ParseDuration(os.Getenv(childLeaseEnv))
		if err != nil {
			lease = 30 * time.Second
		}
		w, err := jobs.NewWorker(c, jobs.WorkerOptions{Concurrency: 8, LeaseDuration: lease, Grace: time.Second, Logger: quiet, Schedules: schedules}, mpRun, benchDouble, mpTick)
		if err == nil {
			fmt.Println("ready")
			err = w.Run(ctx)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "child worker:", err)
			return 1
		}
		return 0
	case "inserter":
		// Inserts pre-assigned IDs, as cron ticks and workflow steps do,
		// after a go signal on stdin so all inserters race.
		ids := strings.Fields(os.Getenv(childIDsEnv))
		jobsIn := make([]*store.Job, len(ids))
		for i, id := range ids {
			now := time.Now().UTC()
			jobsIn[i] = &store.Job{ID: id, Name: "mp.run", Queue: "default", Args: []byte(`{"n":` + strconv.Itoa(i) + `}`),
				State: store.Queued, MaxAttempts: 3, RunAt: now, EnqueuedAt: now}
		}
		fmt.Println("ready")
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			fmt.Fprintln(os.Stderr, "child inserter: no go signal:", err)
			return 1
		}
		inserted := 0
		for _, j := range jobsIn {
			dups, err := c.Store().Insert(ctx, []*store.Job{j})
			if err != nil {
				fmt.Fprintln(os.Stderr, "child inserter:", err)
				return 1
			}
			if len(dups) == 0 {
				inserted++
			}
		}
		fmt.Println(inserted)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown child role", role)
	return 2
}

// child is this test binary running in a role; the process is killed at
// the end of the test if it still runs.
type child struct {
	cmd    *exec.Cmd
	stdin  *os.File
	stdout bytes.Buffer
	stderr bytes.Buffer
	ready  chan struct{}
	done   chan struct{} // closed when the process exited
	err    error         // its Wait error, set before done closes
}

func startChild(t testing.TB, role, url string, env ...string) *child {
	t.Helper()
	ch := &child{ready: make(chan struct{}), done: make(chan struct{})}
	ch.cmd = exec.Command(os.Args[0], "-test.run=^$")
	ch.cmd.Env = append(os.Environ(), childRoleEnv+"="+role, childURLEnv+"="+url)
	ch.cmd.Env = append(ch.cmd.Env, env...)
	ch.cmd.Stderr = &ch.stderr
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ch.cmd.Stdin, ch.stdin = r, w
	pipe, err := ch.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	go func() {
		sc := bufio.NewScanner(pipe)
		first := true
		for sc.Scan() {
			if first && sc.Text() == "ready" {
				close(ch.ready)
				first = false
				continue
			}
			first = false
			ch.stdout.Write(sc.Bytes())
			ch.stdout.WriteByte('\n')
		}
		ch.err = ch.cmd.Wait()
		close(ch.done)
	}()
	t.Cleanup(func() {
		ch.stdin.Close()
		select {
		case <-ch.done:
			return
		default:
		}
		_ = ch.cmd.Process.Kill()
		select {
		case <-ch.done:
		case <-time.After(10 * time.Second):
		}
	})
	return ch
}

// wait waits for the child to exit and checks it exited 0.
func (ch *child) wait(t testing.TB, timeout time.Duration) {
	t.Helper()
	select {
	case <-ch.done:
		if ch.err != nil {
			t.Fatalf("child %s: %v\nstderr:\n%s", ch.cmd.Env[len(os.Environ())], ch.err, ch.stderr.String())
		}
	case <-time.After(timeout):
		t.Fatalf("child %s did not exit within %v\nstderr:\n%s", ch.cmd.Env[len(os.Environ())], timeout, ch.stderr.String())
	}
}

func (ch *child) waitReady(t testing.TB) {
	t.Helper()
	select {
	case <-ch.ready:
	case <-ch.done:
		t.Fatalf("child exited before it was ready: %v\nstderr:\n%s", ch.err, ch.stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("child not ready\nstderr:\n%s", ch.stderr.String())
	}
}

// stopWorker asks a worker child to shut down gracefully and waits.
func (ch *child) stopWorker(t testing.TB) {
	t.Helper()
	_ = ch.cmd.Process.Signal(syscall.SIGTERM)
	ch.wait(t, 20*time.Second)
}

// storeURL returns the URL of namespace ns on the test server.
func storeURL(t testing.TB, ns string) string {
	u := redisURL(t)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "namespace=" + ns
}

// openClient opens a jobs client in a fresh namespace, closed and deleted
// when the test ends, and returns it with its URL.
func openClient(t testing.TB) (*jobs.Client, string) {
	t.Helper()
	url := storeURL(t, servertest.RedisNamespace(t, redisURL(t)))
	c, err := jobs.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, url
}

var _ = redis.DefaultNamespace
