package postgres_test

// Tests with several processes on one PostgreSQL schema. The test binary
// re-executes itself with childRoleEnv set; TestMain then runs runChild
// instead of the tests.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/internal/crontest"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
)

const (
	childRoleEnv  = "SPINDLE_PG_TEST_CHILD"
	childURLEnv   = "SPINDLE_PG_TEST_URL"
	childLeaseEnv = "SPINDLE_PG_TEST_LEASE"
	childCountEnv = "SPINDLE_PG_TEST_COUNT"
	childCronEnv  = "SPINDLE_PG_TEST_CRON" // a worker's schedule spec; see crontest.ChildOptions
)

type squared struct {
	Sq  int `json:"sq"`
	Pid int `json:"pid"`
}

// mpSquare runs in worker processes and says which process ran it.
var mpSquare = jobs.Define("pg.square", func(ctx context.Context, n int) (squared, error) {
	return squared{Sq: n * n, Pid: os.Getpid()}, nil
})

// runChild is the body of a child process; it returns the exit code.
func runChild(role string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	u := os.Getenv(childURLEnv)
	switch role {
	case "worker":
		copts, schedules, err := crontest.ChildOptions(mpTick, os.Getenv(childCronEnv))
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		c, err := jobs.Open(ctx, u, copts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		defer c.Close()
		lease, err := time.ParseDuration(os.Getenv(childLeaseEnv))
		if err != nil {
			lease = 30 * time.Second
		}
		w, err := jobs.NewWorker(c, jobs.WorkerOptions{LeaseDuration: lease, Grace: time.Second, Schedules: schedules}, mpSquare, benchDouble, benchNoop, mpTick)
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
		// Inserts jobs pg-0000.. with pre-assigned IDs, in a random order
		// and random batches, and prints the IDs it stored.
		s, err := postgres.Open(ctx, u)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		defer s.Close()
		n, _ := strconv.Atoi(os.Getenv(childCountEnv))
		fmt.Println("ready")
		out := bufio.NewWriter(os.Stdout)
		defer out.Flush()
		order := rand.Perm(n)
		for len(order) > 0 {
			k := min(len(order), 1+rand.IntN(20))
			var batch []*store.Job
			for _, i := range order[:k] {
				batch = append(batch, preassigned(i))
			}
			order = order[k:]
			dups, err := s.Insert(ctx, batch)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child inserter:", err)
				return 1
			}
			for _, j := range batch {
				if !strings.Contains(" "+strings.Join(store.DupIDs(dups), " ")+" ", " "+j.ID+" ") {
					fmt.Fprintln(out, j.ID)
				}
			}
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown child role", role)
	return 2
}

// preassigned is job i with an ID chosen before insertion, as cron ticks
// and workflow steps have.
func preassigned(i int) *store.Job {
	args, _ := json.Marshal(i)
	now := time.Now().UTC()
	return &store.Job{ID: fmt.Sprintf("pg-%05d", i), Name: mpSquare.Name(), Queue: jobs.DefaultQueue,
		Args: args, State: store.Queued, MaxAttempts: 5, RunAt: now, EnqueuedAt: now}
}

// child is a running copy of the test binary in a role; it is killed at
// the end of the test if it still runs.
type child struct {
	cmd    *exec.Cmd
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
	pipe, err := ch.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
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
	case <-time.After(30 * time.Second):
		t.Fatalf("child not ready\nstderr:\n%s", ch.stderr.String())
	}
}

// stop asks the child to shut down gracefully and waits for it.
func (ch *child) stop(t testing.TB) {
	t.Helper()
	_ = ch.cmd.Process.Signal(syscall.SIGTERM)
	ch.wait(t, 30*time.Second)
}
