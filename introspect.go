package spindle

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// taskMeta is the non-generic part of a task: its cell, what
// introspection reads, and its context (see taskCtx, which is the same
// struct seen as a context.Context). Keeping them in one struct, at the
// head of the Task allocation, spares the pointers that would otherwise
// join them. Live tasks are listed in the task table (task_table.go).
type taskMeta struct {
	cell
	id      uint64
	opts    *taskOptions // nil unless options were given
	started atomic.Int64 // when the function began to run, in nanoseconds since taskEpoch; 0 before
	slot    *taskSlot    // the task's entry in the task table while it is live
	taskCtxState
}

func (m *taskMeta) displayName() string {
	if m.opts != nil && m.opts.name != "" {
		return m.opts.name
	}
	return "task-" + itoa(int64(m.id))
}

// taskEpoch anchors task start times. Reading only the monotonic clock
// (time.Since) costs half of time.Now, which reads the wall clock too,
// and ages stay right when the wall clock is stepped.
var taskEpoch = time.Now()

// TaskInfo is a snapshot of one task, as reported by CurrentTask, AllTasks
// and DumpTasks.
type TaskInfo struct {
	ID    uint64
	Name  string
	State State
	// Started is when the task's function began to run; zero while the
	// task waits to start (for a goroutine, or for a place in a limited
	// Group). It is read in the task's goroutine, not in Go, which keeps
	// a clock read off the path of the goroutine starting tasks.
	Started time.Time
	// Stack is the task goroutine's stack when the snapshot was taken by
	// DumpTasks or AllTasksWithStacks; empty otherwise.
	Stack string
}

// Age is how long the task has been running at now, or 0 before it
// started.
func (i TaskInfo) Age(now time.Time) time.Duration {
	if i.Started.IsZero() {
		return 0
	}
	return now.Sub(i.Started)
}

func (m *taskMeta) info() TaskInfo {
	info := TaskInfo{ID: m.id, Name: m.displayName(), State: m.cell.getState()}
	if started := m.started.Load(); started != 0 {
		info.Started = taskEpoch.Add(time.Duration(started))
	}
	return info
}

// CurrentTask returns the task whose function received ctx (or a context
// derived from it), and false when ctx does not belong to a task
// (asyncio's current_task). It is safe to call from any goroutine.
func CurrentTask(ctx context.Context) (TaskInfo, bool) {
	m, ok := ctx.Value(currentTaskKey{}).(*taskMeta)
	if !ok || m == nil {
		return TaskInfo{}, false
	}
	return m.info(), true
}

// AllTasks returns a snapshot of every task that has not yet settled
// (asyncio's all_tasks): those running in the order their functions
// began, then those waiting to start, by ID. IDs are unique but say
// nothing of order. It locks each shard of the task table briefly, so it
// is cheap enough for a debug endpoint but not for a hot loop.
func AllTasks() []TaskInfo {
	var out []TaskInfo
	taskTableEach(func(m *taskMeta) { out = append(out, m.info()) })
	sort.Slice(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if x.Started.IsZero() != y.Started.IsZero() {
			return y.Started.IsZero()
		}
		if !x.Started.Equal(y.Started) {
			return x.Started.Before(y.Started)
		}
		return x.ID < y.ID
	})
	return out
}

// AllTasksWithStacks is AllTasks with each running task's current stack.
// It stops the world briefly to capture every goroutine's stack
// (runtime.Stack with all=true), so use it for debugging only.
func AllTasksWithStacks() []TaskInfo {
	tasks := AllTasks()
	stacks := taskStacks()
	for i := range tasks {
		tasks[i].Stack = stacks[tasks[i].ID]
	}
	return tasks
}

// DumpTasks writes a table of every live task (id, name, state, age)
// followed by each running task's stack to w. It has the cost of
// AllTasksWithStacks.
func DumpTasks(w io.Writer) error {
	now := time.Now()
	tasks := AllTasksWithStacks()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tNAME\tSTATE\tAGE\n")
	for _, t := range tasks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", t.ID, t.Name, t.State, t.Age(now).Round(time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range tasks {
		if t.Stack == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "\n--- task %d %q (%s):\n%s", t.ID, t.Name, t.State, t.Stack); err != nil {
			return err
		}
	}
	return nil
}

// taskStacks maps task ids to their goroutine's stack. It finds a task's
// goroutine by the frames taskStart leaves at the bottom of its stack (see
// taskStart): reading those frames back gives the id, with no per-task cost
// at start beyond a few calls.
func taskStacks() map[uint64]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := make(map[uint64]string)
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		id, ok := taskIDFromStack(string(g))
		if ok {
			out[id] = string(g)
		}
	}
	return out
}

const taskTagPrefix = "github.com/spindlehq/spindle.taskTag"

func taskIDFromStack(stack string) (uint64, bool) {
	var digits []byte
	for _, line := range strings.Split(stack, "\n") {
		if !strings.HasPrefix(line, taskTagPrefix) {
			continue
		}
		rest := line[len(taskTagPrefix):]
		if len(rest) < 3 || rest[2] != '(' {
			continue
		}
		hi, lo := strings.IndexByte(taskTagDigits, rest[0]), strings.IndexByte(taskTagDigits, rest[1])
		if hi < 0 || lo < 0 {
			continue
		}
		digits = append(digits, byte(hi<<4|lo))
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	// Frames are listed innermost first, and the innermost tag carries the
	// least significant digit.
	var id uint64
	for i := len(digits) - 1; i >= 0; i-- {
		id = id<<8 | uint64(digits[i])
	}
	return id, true
}

const taskTagDigits = "0123456789abcdef"

type taskRunner interface {
	runBody()
	release()
	spindleMeta() *taskMeta
}

//go:generate go run ./internal/gentags

// taskStart is the first frame of every task goroutine. It spells the
// task's id in base 256 as a chain of calls to taskTag00..taskTagff
// (introspect_tags.go), so that a stack dump names the task each
// goroutine runs: an id below 2^24 costs three extra frames, where
// recording the goroutine id would cost a stack trace per task. Each
// frame is small and each digit costs one, because a new goroutine's
// stack is memory another core last wrote: in profiles of L1a, taskStart's
// own share of Go+Gather's CPU time shrank when the chain went from base
// 16, two frames a digit, to this (docs/benchmarks.md).
func taskStart(r taskRunner) {
	defer r.release()
	id := r.spindleMeta().id
	n := 1
	for id>>(8*n) != 0 {
		n++
	}
	taskTagNext(r, id, n)
}

// taskTagNext calls the tag function of the next of the n digits left,
// or runs the task once none is. Every tag function has the same body
// (written out by internal/gentags), so that a digit costs one frame.
func taskTagNext(r taskRunner, id uint64, n int) {
	if n == 0 {
		r.runBody()
		return
	}
	n--
	taskTags[(id>>(8*n))&0xff](r, id, n)
}
