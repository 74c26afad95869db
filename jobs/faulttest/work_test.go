//go:build fault

package faulttest

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// workArgs says how long a fault.work handler takes.
type workArgs struct {
	N     int           `json:"n"`
	Sleep time.Duration `json:"sleep"`
}

// execLog records when handlers start and end, by job ID and by the tag
// of the worker (or process) that ran them. In a child process it also
// writes each event as a line to out, "S id" or "D id", one write each,
// so the parent sees every event the child reached before it was killed.
type execLog struct {
	mu     sync.Mutex
	starts map[string][]string // job ID -> tags of the runs that started, in order
	dones  map[string][]string // job ID -> tags of the runs whose handler returned
	out    io.Writer
}

func newExecLog() *execLog {
	return &execLog{starts: map[string][]string{}, dones: map[string][]string{}}
}

func (l *execLog) start(id, tag string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.starts[id] = append(l.starts[id], tag)
	if l.out != nil {
		fmt.Fprintf(l.out, "S %s\n", id)
	}
}

func (l *execLog) done(id, tag string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dones[id] = append(l.dones[id], tag)
	if l.out != nil {
		fmt.Fprintf(l.out, "D %s\n", id)
	}
}

// runs returns the tags of the runs of id that started and that returned.
func (l *execLog) runs(id string) (started, returned []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.starts[id]...), append([]string(nil), l.dones[id]...)
}

// workDef returns the fault.work definition whose runs log under tag. A
// worker registers one; producers may use any.
func workDef(tag string, log *execLog) *jobs.Definition[workArgs, int] {
	return jobs.Define("fault.work", func(ctx context.Context, a workArgs) (int, error) {
		j, _ := jobs.JobFromContext(ctx)
		if log != nil {
			log.start(j.ID, tag)
		}
		if a.Sleep > 0 {
			t := time.NewTimer(a.Sleep)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return 0, context.Cause(ctx)
			}
		}
		if log != nil {
			log.done(j.ID, tag)
		}
		return a.N, nil
	})
}

// producerDef enqueues fault.work jobs; it runs nothing.
var producerDef = workDef("producer", nil)
