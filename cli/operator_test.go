package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := execute(t, "", args...)
		wantOK(t, r)
		if !strings.Contains(r.out, "go1.") || strings.Count(r.out, "\n") != 1 {
			t.Errorf("%v: %q, want one line with the Go version", args, r.out)
		}
	}
	v := decode[versionJSON](t, execute(t, "", "version", "--json").out)
	if v.Go == "" || v.Version == "" || v.Spindle == "" {
		t.Errorf("version --json: %+v", v)
	}
}

// The stock binary has no definitions: "worker" explains where workers
// run instead of failing as an unknown command.
func TestWorkerInStockBinary(t *testing.T) {
	root := NewCommand(Config{Name: "spindle"})
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	code := Execute(context.Background(), root, []string{"worker"})
	if code != ExitUsage || !strings.Contains(errOut.String(), "cli.Main(") || !strings.Contains(errOut.String(), "examples/userbinary") ||
		strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("worker in the stock binary: exit %d\n%s", code, errOut.String())
	}
}

func TestConnectTimeoutNegative(t *testing.T) {
	wantFail(t, execute(t, "", "queues", "--connect-timeout", "-1s", "--store", "memory:"), ExitUsage, "--connect-timeout -1s", "0 (no limit) or more")
}

func TestRetryAndRunNowJSON(t *testing.T) {
	url := newStore(t)
	c := openClient(t, url)
	ctx := context.Background()
	later, err := tDouble.Enqueue(ctx, c, 1, jobs.Delay(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	queued, err := tDouble.Enqueue(ctx, c, 2)
	if err != nil {
		t.Fatal(err)
	}
	// retry refuses a job that has not finished, saying what to use instead
	// and naming its verb once.
	r := execute(t, "", "retry", later.ID(), "--store", url)
	wantFail(t, r, ExitFailed, "retry "+later.ID(), "scheduled")
	if n := strings.Count(r.line(), "retr"); n > 2 {
		t.Errorf("the verb %d times: %q", n, r.line())
	}
	// run-now starts a job waiting for its delay, and only such a job.
	res := decode[eachIDJSON](t, execute(t, "", "run-now", later.ID(), queued.ID(), "--json", "--store", url).out)
	if len(res.Done) != 1 || res.Done[0] != later.ID() || len(res.Failed) != 1 || res.Failed[0].ID != queued.ID() ||
		!strings.Contains(res.Failed[0].Error, "queued") {
		t.Errorf("run-now --json: %+v", res)
	}
	j := decode[jobJSON](t, execute(t, "", "job", later.ID(), "--json", "--store", url).out)
	if j.State != "queued" || j.Attempt != 0 {
		t.Errorf("after run-now: %+v", j)
	}
	r = execute(t, "", "retry", queued.ID(), "--json", "--store", url)
	if r.code != ExitFailed {
		t.Errorf("retry --json of a queued job: %v", r)
	}
	if res := decode[eachIDJSON](t, r.out); len(res.Done) != 0 || len(res.Failed) != 1 {
		t.Errorf("retry --json: %+v", res)
	}
}

func TestConfigSchedules(t *testing.T) {
	every, err := tDouble.Cron("@every 1s", 21)
	if err != nil {
		t.Fatal(err)
	}
	root := NewCommand(Config{Name: "spindle", Definitions: testDefs, Schedules: []*jobs.Schedule{every}})
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	if code := Execute(context.Background(), root, []string{"worker", "--help"}); code != ExitOK || !strings.Contains(out.String(), "test.double (@every 1s)") {
		t.Errorf("worker --help does not list the schedule (exit %d):\n%s", code, out.String())
	}
	// The worker command fires the ticks.
	url := tempStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		root := NewCommand(Config{Name: "spindle", Definitions: testDefs, Schedules: []*jobs.Schedule{every}})
		var sink bytes.Buffer
		root.SetOut(&sink)
		root.SetErr(&sink)
		done <- Execute(ctx, root, []string{"worker", "--store", url, "--grace", "1s"})
	}()
	c := openClient(t, url)
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := c.Inspect().Jobs(ctx, jobs.ListOptions{Name: "test.double", State: "succeeded"})
		if err == nil && len(p.Jobs) > 0 && string(p.Jobs[0].Result) == "42" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no tick of the schedule succeeded within 30s (last list: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("worker exit %d", code)
	}
	// A schedule whose definition the binary lacks is a programming error.
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "not among Config.Definitions") {
			t.Errorf("NewCommand with a schedule of an unknown definition: recover() = %v", r)
		}
	}()
	NewCommand(Config{Definitions: []jobs.Registrable{tGreet}, Schedules: []*jobs.Schedule{every}})
}

// bench's help shows the store it really uses by default, not the other
// commands' default.
func TestBenchHelpShowsItsStoreDefault(t *testing.T) {
	r := execute(t, "", "bench", "q1", "--help")
	wantOK(t, r)
	for _, line := range strings.Split(r.out, "\n") {
		if strings.Contains(line, "--store") && strings.Contains(line, "string") {
			if !strings.Contains(line, "temporary directory") || strings.Contains(line, "spindle.db") {
				t.Errorf("bench q1 --help shows --store as %q", line)
			}
			return
		}
	}
	t.Errorf("bench q1 --help has no --store line:\n%s", r.out)
}
