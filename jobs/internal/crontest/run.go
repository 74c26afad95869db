package crontest

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// Proc is the parent's handle on one worker process of the cron test,
// started with [ChildOptions] on [EverySecond]. [Run] uses it on the
// test's goroutine only.
type Proc struct {
	// Process is the running worker; Run may send it SIGKILL.
	Process *os.Process
	// Exited is closed once the process has exited and its stdout is
	// all read.
	Exited <-chan struct{}
	// Ready waits until the worker runs, failing the test if it does not.
	Ready func()
	// Stop asks the worker to shut down gracefully, waits for it to exit
	// and fails the test if it does not exit cleanly.
	Stop func()
	// Stdout returns what the worker printed; Run calls it only after
	// Exited is closed.
	Stdout func() string
}

// Run plays the scenario over the ticks of the job named name, which the
// store behind in holds, and checks the outcome with [Check]. Once every
// worker is ready it waits two ticks and, at half past a second, kills
// the worker that fired the latest tick: that one most likely holds no
// tick then, and if it does, its lease expires and the tick runs again
// (Check allows that). It lets three more ticks pass, waits for every
// tick in the window to succeed, stops the survivors and checks. It
// blocks for about six seconds, gives up after 30, and fails t, so it
// must run on the test's goroutine.
func Run(t testing.TB, in *jobs.Inspector, name string, ps []Proc) {
	t.Helper()
	for _, p := range ps {
		p.Ready()
	}
	from := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pids := make([]int, len(ps))
	for i, p := range ps {
		pids[i] = p.Process.Pid
	}
	time.Sleep(time.Until(from.Truncate(time.Second).Add(2500 * time.Millisecond)))
	victim := LatestFirer(t, ctx, in, name, pids)
	killedAt := time.Now()
	if err := ps[victim].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-ps[victim].Exited
	time.Sleep(time.Until(killedAt.Truncate(time.Second).Add(3500 * time.Millisecond)))
	to := time.Now()
	AwaitTicks(t, ctx, in, name, from, to)
	for i, p := range ps {
		if i != victim {
			p.Stop()
		}
	}
	ws := make([]Worker, len(ps))
	for i, p := range ps {
		ws[i] = Worker{Pid: pids[i], Output: p.Stdout()}
	}
	Check(t, ListTicks(t, ctx, in, name), ws, pids[victim], from, killedAt, to)
}
