// Command pipeline runs the producer/consumer job of the asyncio notes with
// a spindle.Pipeline: ten tasks {task_id, number}, 25 workers that each
// "work" for a random time up to -maxsleep and square the number, 10 result
// handlers calling a per-task callback, and a job-completed callback with
// the elapsed time. Ctrl-C cancels the job; the callbacks still hear about
// every task.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"sync"
	"time"

	"github.com/spindlehq/spindle"
)

// The constants of the asyncio producer/consumer controller this ports.
const (
	numWorkers         = 25
	workQueueMaxSize   = 100
	numResultHandlers  = 10
	resultQueueMaxSize = 100
	numTasks           = 10
)

type task struct {
	TaskID int
	Number int
}

// result is what a worker hands to the result handlers: like the asyncio
// consumer, it times its own work.
type result struct {
	Result int
	Time   time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	maxSleep := flags.Duration("maxsleep", 2*time.Second, "longest simulated work per task (a random time up to this)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *maxSleep < 0 {
		return fmt.Errorf("-maxsleep is %v: want 0 or more", *maxSleep)
	}
	out := &syncWriter{w: stdout} // ten handlers print at once

	jobID := newJobID()
	fmt.Fprintf(out, "Starting Job %s\n", jobID)

	tasks := make([]task, numTasks)
	for i := range tasks {
		tasks[i] = task{TaskID: i, Number: i}
	}

	p := spindle.Pipeline[task, result]{
		Work: func(ctx context.Context, t task) (result, error) {
			start := time.Now()
			if err := sleep(ctx, randomUpTo(*maxSleep)); err != nil {
				return result{}, err
			}
			return result{Result: t.Number * t.Number, Time: time.Since(start)}, nil
		},
		Workers:     numWorkers,
		WorkQueue:   workQueueMaxSize,
		Handlers:    numResultHandlers,
		ResultQueue: resultQueueMaxSize,
		OnResult: func(r spindle.PipelineResult[task, result]) {
			if r.Err != nil {
				fmt.Fprintf(out, "Task failed in job_id=%s: task_id=%d error=%v\n", jobID, r.In.TaskID, r.Err)
				return
			}
			fmt.Fprintf(out, "Task completed in job_id=%s: task_id=%d result=%d time_secs=%.3f\n",
				jobID, r.In.TaskID, r.Out.Result, r.Out.Time.Seconds())
		},
		OnDone: func(s spindle.PipelineStats, err error) {
			fmt.Fprintf(out, "Job %s completed: elapsed_secs=%.3f done=%d failed=%d skipped=%d\n",
				jobID, s.Elapsed.Seconds(), s.Done, s.Failed, s.Skipped)
		},
	}
	_, err := p.Run(ctx, slices.Values(tasks))
	return err
}

// newJobID returns a random version 4 UUID.
func newJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails, see crypto/rand.Read
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func randomUpTo(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return mathrand.N(d)
}

// sleep waits for d, or returns the cause of ctx if it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// syncWriter serializes writes, so lines printed by concurrent handlers
// never interleave.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
