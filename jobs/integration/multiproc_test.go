package integration_test

// Tests with several processes sharing one SQLite file (or, with
// childURLEnv, any store). The test binary re-executes itself with
// childRoleEnv set; TestMain then runs runChild instead of the tests.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

const (
	childRoleEnv  = "SPINDLE_JOBS_TEST_CHILD"
	childDBEnv    = "SPINDLE_JOBS_TEST_DB"
	childLeaseEnv = "SPINDLE_JOBS_TEST_LEASE"
	childCountEnv = "SPINDLE_JOBS_TEST_COUNT"
	childIDsEnv   = "SPINDLE_JOBS_TEST_IDS"
	// childURLEnv, when set, is the store URL the child opens instead of
	// the SQLite file of childDBEnv.
	childURLEnv = "SPINDLE_JOBS_TEST_URL"
)

type squared struct {
	Sq  int `json:"sq"`
	Pid int `json:"pid"`
}

// mpSquare runs in worker processes and says which process ran it.
var mpSquare = jobs.Define("mp.square", func(ctx context.Context, n int) (squared, error) {
	return squared{Sq: n * n, Pid: os.Getpid()}, nil
})

// mpHang hangs on its first attempt (until the worker is killed) and
// succeeds on the next.
var mpHang = jobs.Define("mp.hang", func(ctx context.Context, n int) (squared, error) {
	if j, _ := jobs.JobFromContext(ctx); j.Attempt == 1 {
		<-ctx.Done()
		return squared{}, context.Cause(ctx)
	}
	return squared{Sq: n * n, Pid: os.Getpid()}, nil
})

// runChild is the body of a child process; it returns the exit code.
func runChild(role string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	url := os.Getenv(childURLEnv)
	if url == "" {
		url = "sqlite:" + os.Getenv(childDBEnv)
	}
	c, err := jobs.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	defer c.Close()
	switch role {
	case "worker":
		lease, err := time.ParseDuration(os.Getenv(childLeaseEnv))
		if err != nil {
			// Long enough that a loaded 2-core machine does not stall a
			// heartbeat (every third of it) past the lease: at 1 s, jobs
			// of a live worker were seen to run again.
			lease = 2 * time.Second
		}
		w, err := jobs.NewWorker(c, jobs.WorkerOptions{LeaseDuration: lease, Grace: time.Second}, mpSquare, mpHang, benchDouble)
		if err == nil {
			fmt.Println("ready")
			err = w.Run(ctx)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "child worker:", err)
			return 1
		}
		return 0
	case "producer":
		n, _ := strconv.Atoi(os.Getenv(childCountEnv))
		out := bufio.NewWriter(os.Stdout)
		defer out.Flush()
		for i := range n {
			h, err := mpSquare.Enqueue(ctx, c, i)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child producer:", err)
				return 1
			}
			fmt.Fprintf(out, "%s %d\n", h.ID(), i)
		}
		return 0
	case "awaiter":
		ids := strings.Fields(os.Getenv(childIDsEnv))
		if f := os.Getenv(childIDsEnv + "_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child awaiter:", err)
				return 1
			}
			ids = strings.Fields(string(b))
		}
		hs := make([]*jobs.Handle[squared], len(ids))
		for i, id := range ids {
			hs[i] = jobs.HandleOf[squared](c, id)
		}
		res, err := jobs.GroupOf(c, hs...).Await(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child awaiter:", err)
			return 1
		}
		json.NewEncoder(os.Stdout).Encode(res)
		return 0
	case "revoker":
		// One job ID a line on stdin: revoke it, then print the ID, the
		// wall-clock instant Revoke returned (Unix ns) and the state it
		// reported.
		fmt.Println("ready")
		out := bufio.NewWriter(os.Stdout)
		defer out.Flush()
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			id := sc.Text()
			st, err := c.Inspect().Revoke(ctx, id, "revoked by another process")
			if err != nil {
				fmt.Fprintln(os.Stderr, "child revoker:", err)
				return 1
			}
			fmt.Fprintf(out, "%s %d %s\n", id, time.Now().UnixNano(), st)
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown child role", role)
	return 2
}

// child starts this test binary in a role; the process is killed at the
// end of the test if it still runs.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser // the child's standard input; close it to send EOF
	stdout bytes.Buffer
	stderr bytes.Buffer
	ready  chan struct{}
	done   chan struct{} // closed when the process exited
	err    error         // its Wait error, set before done closes
}

func startChild(t testing.TB, role, db string, env ...string) *child {
	t.Helper()
	ch := &child{ready: make(chan struct{}), done: make(chan struct{})}
	ch.cmd = exec.Command(os.Args[0], "-test.run=^$")
	ch.cmd.Env = append(os.Environ(), childRoleEnv+"="+role, childDBEnv+"="+db)
	ch.cmd.Env = append(ch.cmd.Env, env...)
	ch.cmd.Stderr = &ch.stderr
	pipe, err := ch.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if ch.stdin, err = ch.cmd.StdinPipe(); err != nil {
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
			t.Fatalf("child %v: %v\nstderr:\n%s", ch.cmd.Env[len(os.Environ())], ch.err, ch.stderr.String())
		}
	case <-time.After(timeout):
		t.Fatalf("child %v did not exit within %v\nstderr:\n%s", ch.cmd.Env[len(os.Environ())], timeout, ch.stderr.String())
	}
}

func (ch *child) waitReady(t testing.TB) {
	t.Helper()
	select {
	case <-ch.ready:
	case <-time.After(20 * time.Second):
		t.Fatalf("child not ready\nstderr:\n%s", ch.stderr.String())
	}
}

func TestMultiProcessWorkersProducersAwaiter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	db := filepath.Join(t.TempDir(), "shared.db")
	// Create the schema first so the children do not all migrate at once
	// (they may; this only keeps the test's timing tidy).
	c, err := jobs.Open(context.Background(), "sqlite:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w1 := startChild(t, "worker", db)
	w2 := startChild(t, "worker", db)
	w1.waitReady(t)
	w2.waitReady(t)
	const perProducer = 300
	p1 := startChild(t, "producer", db, childCountEnv+"="+strconv.Itoa(perProducer))
	p2 := startChild(t, "producer", db, childCountEnv+"="+strconv.Itoa(perProducer))
	p1.wait(t, time.Minute)
	p2.wait(t, time.Minute)
	var ids []string
	want := map[string]int{}
	for _, p := range []*child{p1, p2} {
		for _, line := range strings.Split(strings.TrimSpace(p.stdout.String()), "\n") {
			var id string
			var n int
			if _, err := fmt.Sscan(line, &id, &n); err != nil {
				t.Fatalf("producer output %q: %v", line, err)
			}
			ids = append(ids, id)
			want[id] = n * n
		}
	}
	if len(ids) != 2*perProducer {
		t.Fatalf("producers enqueued %d jobs, want %d", len(ids), 2*perProducer)
	}
	idFile := filepath.Join(t.TempDir(), "ids")
	if err := os.WriteFile(idFile, []byte(strings.Join(ids, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	aw := startChild(t, "awaiter", db, childIDsEnv+"_FILE="+idFile)
	aw.wait(t, time.Minute)
	var res []squared
	if err := json.Unmarshal(aw.stdout.Bytes(), &res); err != nil {
		t.Fatalf("awaiter output %q: %v", aw.stdout.String(), err)
	}
	pids := map[int]int{}
	for i, r := range res {
		if r.Sq != want[ids[i]] {
			t.Fatalf("job %s: result %d, want %d", ids[i], r.Sq, want[ids[i]])
		}
		pids[r.Pid]++
	}
	// Which worker runs what is up to timing; usually both take part.
	t.Logf("jobs per worker process: %v", pids)
	// Every job ran exactly once and succeeded.
	for _, id := range ids {
		j, err := c.Inspect().Job(context.Background(), id)
		if err != nil || j.State != store.Succeeded || j.Attempt != 1 {
			t.Fatalf("job %s: %+v, %v", id, j, err)
		}
	}
	for _, w := range []*child{w1, w2} {
		_ = w.cmd.Process.Signal(syscall.SIGTERM)
		w.wait(t, 20*time.Second)
	}
}

func TestSIGKILLLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	const rounds = 20
	// Short, so that each round's rescue is quick, but not so short that
	// a stalled heartbeat lets the rescuer's own lease lapse (seen at 200
	// ms on a loaded machine: the job's third attempt).
	const lease = "500ms"
	for round := range rounds {
		db := filepath.Join(t.TempDir(), fmt.Sprintf("kill-%d.db", round))
		c, err := jobs.Open(context.Background(), "sqlite:"+db)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		// One job hangs on its first attempt; a few plain ones wait behind
		// it or run alongside.
		hang, err := mpHang.Enqueue(ctx, c, round)
		if err != nil {
			t.Fatal(err)
		}
		others, err := mpSquare.Map(ctx, c, []int{1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		victim := startChild(t, "worker", db, childLeaseEnv+"="+lease)
		for {
			j, err := c.Inspect().Job(ctx, hang.ID())
			if err != nil {
				t.Fatal(err)
			}
			if j.State == store.Running {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("round %d: the job never started", round)
			case <-time.After(5 * time.Millisecond):
			}
		}
		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-victim.done
		if err := victim.err; err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("round %d: victim exit %v", round, err)
		}
		rescuer := startChild(t, "worker", db, childLeaseEnv+"="+lease)
		got, err := hang.Await(ctx)
		if err != nil || got.Sq != round*round || got.Pid != rescuer.cmd.Process.Pid {
			t.Fatalf("round %d: hung job after the kill: %+v, %v", round, got, err)
		}
		j, err := c.Inspect().Job(ctx, hang.ID())
		if err != nil || j.Attempt != 2 || len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error, "lease") {
			t.Fatalf("round %d: job record %+v, %v", round, j, err)
		}
		if res, err := others.Await(ctx); err != nil || len(res) != 3 || res[2].Sq != 9 {
			t.Fatalf("round %d: other jobs %v, %v", round, res, err)
		}
		st, err := c.Inspect().Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if lost := st.Counts[store.Queued] + st.Counts[store.Running] + st.Counts[store.Scheduled] + st.Counts[store.Dead]; lost != 0 {
			t.Fatalf("round %d: jobs not done: %v", round, st.Counts)
		}
		_ = rescuer.cmd.Process.Signal(syscall.SIGTERM)
		rescuer.wait(t, 20*time.Second)
		cancel()
		if err := c.Close(); err != nil && !errors.Is(err, jobs.ErrClientClosed) {
			t.Fatal(err)
		}
	}
}
