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

// AllTasks returns a snapshot of every task that has not yet settled, in
// start order (asyncio's all_tasks). It locks each shard of the task table
// briefly, so it is cheap enough for a debug endpoint but not for a hot
// loop.
func AllTasks() []TaskInfo {
	var out []TaskInfo
	taskTableEach(func(m *taskMeta) { out = append(out, m.info()) })
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
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
		if len(rest) < 2 || rest[1] != '(' {
			continue
		}
		d := strings.IndexByte(taskTagDigits, rest[0])
		if d < 0 {
			continue
		}
		digits = append(digits, byte(d))
	}
	if len(digits) == 0 {
		return 0, false
	}
	// Frames are listed innermost first, and the innermost tag carries the
	// least significant digit.
	var id uint64
	for i := len(digits) - 1; i >= 0; i-- {
		id = id<<4 | uint64(digits[i])
	}
	return id, true
}

const taskTagDigits = "0123456789abcdef"

type taskRunner interface {
	runBody()
	release()
	spindleMeta() *taskMeta
}

// taskStart is the first frame of every task goroutine. It encodes the
// task's id in base 16 as a chain of calls to taskTag0..taskTagf, so that a
// stack dump names the task each goroutine runs: an id below 2^20 costs
// five extra calls, a few nanoseconds, where recording the goroutine id
// would cost a stack trace per task. The frames are small so the chain
// fits the goroutine's first stack.
func taskStart(r taskRunner) {
	defer r.release()
	id := r.spindleMeta().id
	n := 1
	for id>>(4*n) != 0 {
		n++
	}
	taskTagNext(r, id, n)
}

func taskTagNext(r taskRunner, id uint64, n int) {
	if n == 0 {
		r.runBody()
		return
	}
	switch (id >> (4 * (n - 1))) & 15 {
	case 0:
		taskTag0(r, id, n-1)
	case 1:
		taskTag1(r, id, n-1)
	case 2:
		taskTag2(r, id, n-1)
	case 3:
		taskTag3(r, id, n-1)
	case 4:
		taskTag4(r, id, n-1)
	case 5:
		taskTag5(r, id, n-1)
	case 6:
		taskTag6(r, id, n-1)
	case 7:
		taskTag7(r, id, n-1)
	case 8:
		taskTag8(r, id, n-1)
	case 9:
		taskTag9(r, id, n-1)
	case 10:
		taskTaga(r, id, n-1)
	case 11:
		taskTagb(r, id, n-1)
	case 12:
		taskTagc(r, id, n-1)
	case 13:
		taskTagd(r, id, n-1)
	case 14:
		taskTage(r, id, n-1)
	case 15:
		taskTagf(r, id, n-1)
	}
}

//go:noinline
func taskTag0(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTag1(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTag2(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTag3(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTag4(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTag5(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTag6(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTag7(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTag8(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTag9(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTaga(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTagb(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTagc(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTagd(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTage(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }

//go:noinline
func taskTagf(r taskRunner, id uint64, n int) { taskTagNext(r, id, n) }
