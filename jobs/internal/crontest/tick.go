package crontest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// EverySecond is the schedule of the cron test: the seconds field makes
// it tick once a second, so a few seconds hold several ticks. It is a
// constant; any goroutine may use it.
const EverySecond = "* * * * * *"

// firedByHeader carries the pid of the process whose insert stored a
// tick's job. Headers are not part of the tick ID, so every process
// still computes the same ID for a tick.
const firedByHeader = "fired-by"

// TickRun is what a tick's job returns: which process ran it and which
// fired it. It is a plain value with no synchronisation of its own.
type TickRun struct {
	Pid     int `json:"pid"`
	FiredBy int `json:"fired_by"`
}

// DefineTick defines the periodic job under name. Each run prints
// "ran ID attempt" on stdout so that the parent counts the runs of every
// process, the killed one included, and returns a [TickRun]. The handler
// is safe to run concurrently and ignores cancellation: it does not block.
func DefineTick(name string) *jobs.Definition[struct{}, TickRun] {
	return jobs.Define(name, func(ctx context.Context, _ struct{}) (TickRun, error) {
		j, _ := jobs.JobFromContext(ctx)
		fmt.Printf("ran %s %d\n", j.ID, j.Attempt)
		by, _ := strconv.Atoi(j.Headers[firedByHeader])
		return TickRun{Pid: os.Getpid(), FiredBy: by}, nil
	})
}

// ChildOptions returns the client options and schedules of a worker child
// running tick on spec; none when spec is empty. The schedule catches up
// on missed ticks so that a machine stalled for more than a tick still
// fires every tick in the window the parent checks, and the option stamps
// each job with this process's pid as its firer. It only builds values:
// it is safe from any goroutine and takes no context.
func ChildOptions(tick *jobs.Definition[struct{}, TickRun], spec string) ([]jobs.Option, []*jobs.Schedule, error) {
	if spec == "" {
		return nil, nil, nil
	}
	s, err := tick.Cron(spec, struct{}{}, jobs.CronCatchUp(), jobs.CronLookback(5*time.Second))
	if err != nil {
		return nil, nil, err
	}
	stamp := jobs.OnEnqueue(func(_ context.Context, h map[string]string) { h[firedByHeader] = strconv.Itoa(os.Getpid()) })
	return []jobs.Option{stamp}, []*jobs.Schedule{s}, nil
}
