package spindle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestGoReturnsValue(t *testing.T) {
	task := Go(context.Background(), func(ctx context.Context) (int, error) { return 42, nil })
	v, err := task.Await(context.Background())
	if v != 42 || err != nil {
		t.Fatalf("Await = %v, %v; want 42, nil", v, err)
	}
	if task.State() != Succeeded {
		t.Fatalf("State = %v, want succeeded", task.State())
	}
}

func TestResultBeforeDoneIsErrNotDone(t *testing.T) {
	release := make(chan struct{})
	task := Go(context.Background(), func(ctx context.Context) (int, error) { <-release; return 1, nil })
	if _, err := task.Result(); !errors.Is(err, ErrNotDone) {
		t.Fatalf("Result before done = %v, want ErrNotDone", err)
	}
	close(release)
	<-task.Done()
	if v, err := task.Result(); v != 1 || err != nil {
		t.Fatalf("Result = %v, %v", v, err)
	}
}

func TestTaskError(t *testing.T) {
	boom := errors.New("boom")
	task := Go(context.Background(), func(ctx context.Context) (int, error) { return 0, boom })
	_, err := task.Await(context.Background())
	if !errors.Is(err, boom) || task.State() != Failed {
		t.Fatalf("err = %v state %v, want boom/failed", err, task.State())
	}
}

func TestTaskPanicIsRecoveredWithStack(t *testing.T) {
	task := Go(context.Background(), func(ctx context.Context) (int, error) { panic("kaboom") })
	_, err := task.Await(context.Background())
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PanicError", err)
	}
	if pe.Value != "kaboom" || !bytes.Contains(pe.Stack, []byte("task_test.go")) {
		t.Fatalf("panic value %v, stack lacks the panicking frame:\n%s", pe.Value, pe.Stack)
	}
	if task.State() != Failed {
		t.Fatalf("state = %v", task.State())
	}
}

func TestTaskPanicWithErrorUnwraps(t *testing.T) {
	boom := errors.New("boom")
	task := Go(context.Background(), func(ctx context.Context) (int, error) { panic(boom) })
	if _, err := task.Await(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want to unwrap to boom", err)
	}
}

func TestTaskGoexitStillSettles(t *testing.T) {
	task := Go(context.Background(), func(ctx context.Context) (int, error) { runtime.Goexit(); return 0, nil })
	if _, err := task.Await(context.Background()); !errors.Is(err, ErrGoexit) {
		t.Fatalf("err = %v, want ErrGoexit", err)
	}
}

func TestCancelWithCause(t *testing.T) {
	shutdown := errors.New("shutting down")
	started := make(chan struct{})
	task := Go(context.Background(), func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	<-started
	if !task.Cancel(shutdown) {
		t.Fatal("Cancel on a running task returned false")
	}
	_, err := task.Await(context.Background())
	if !errors.Is(err, shutdown) || !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v: want the cause, context.Canceled, and not a timeout", err)
	}
	if task.State() != Canceled {
		t.Fatalf("state = %v, want canceled", task.State())
	}
	if task.Cancel(nil) {
		t.Fatal("Cancel after settling returned true")
	}
}

func TestCancelKeepsWorkErrorMessage(t *testing.T) {
	task := Go(context.Background(), func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, errors.Join(errors.New("fetch users"), ctx.Err())
	})
	task.Cancel(errors.New("user pressed stop"))
	_, err := task.Await(context.Background())
	if msg := err.Error(); !strings.Contains(msg, "fetch users") || !strings.Contains(msg, "user pressed stop") {
		t.Fatalf("message %q lost the work's error or the cause", msg)
	}
}

func TestParentTimeoutIsNotACancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		task := Go(ctx, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
		_, err := task.Await(context.Background())
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v: want a deadline, not a cancel", err)
		}
	})
}

func TestAwaitCtxEndsLeavesTaskRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		task := Go(context.Background(), func(ctx context.Context) (int, error) {
			time.Sleep(time.Hour)
			return 7, nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := task.Await(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Await = %v, want the await's deadline", err)
		}
		if task.State() != Running {
			t.Fatalf("task state %v after an abandoned await, want running", task.State())
		}
		if v, _ := task.Await(context.Background()); v != 7 {
			t.Fatalf("second Await = %v", v)
		}
	})
}

func TestAwaitFromManyGoroutines(t *testing.T) {
	release := make(chan struct{})
	task := Go(context.Background(), func(ctx context.Context) (string, error) { <-release; return "ok", nil })
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := task.Await(context.Background()); v != "ok" || err != nil {
				errs <- errors.New("bad result")
			}
		}()
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestOnDoneBeforeAndAfterCompletion(t *testing.T) {
	release := make(chan struct{})
	task := Go(context.Background(), func(ctx context.Context) (int, error) { <-release; return 5, nil })
	var mu sync.Mutex
	var seen []int
	record := func(tag int) func(*Task[int]) {
		return func(tt *Task[int]) {
			v, _ := tt.Result()
			mu.Lock()
			seen = append(seen, tag*100+v)
			mu.Unlock()
		}
	}
	ran := make(chan struct{}, 2)
	task.OnDone(record(1))
	task.OnDone(func(tt *Task[int]) { record(2)(tt); ran <- struct{}{} })
	close(release)
	<-task.Done()
	<-ran                  // the earlier callbacks run in the task's goroutine, just after Done closes
	task.OnDone(record(3)) // already done: runs now, in this goroutine
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || seen[0] != 105 || seen[1] != 205 || seen[2] != 305 {
		t.Fatalf("callbacks saw %v, want [105 205 305]", seen)
	}
}

func TestNamesAndCurrentTask(t *testing.T) {
	task := Go(context.Background(), func(ctx context.Context) (TaskInfo, error) {
		info, ok := CurrentTask(ctx)
		if !ok {
			return info, errors.New("no current task")
		}
		return info, nil
	}, Named("worker-1"))
	info, err := task.Await(context.Background())
	if err != nil || info.Name != "worker-1" || info.ID != task.ID() || info.State != Running {
		t.Fatalf("CurrentTask = %+v, %v", info, err)
	}
	if _, ok := CurrentTask(context.Background()); ok {
		t.Fatal("CurrentTask found a task in a plain context")
	}
	anon := Go(context.Background(), func(ctx context.Context) (int, error) { return 0, nil })
	if want := "task-" + itoa(int64(anon.ID())); anon.Name() != want {
		t.Fatalf("unnamed task is %q, want %q", anon.Name(), want)
	}
	anon.Await(context.Background())
}

func TestAllTasksAndDump(t *testing.T) {
	release := make(chan struct{})
	running := make(chan struct{})
	task := Go(context.Background(), func(ctx context.Context) (int, error) {
		close(running)
		dumpTestParked(release)
		return 0, nil
	}, Named("introspected"))
	<-running
	found := false
	for _, info := range AllTasks() {
		if info.ID == task.ID() {
			found = info.Name == "introspected" && info.State == Running
		}
	}
	if !found {
		t.Fatalf("AllTasks does not list the running task: %+v", AllTasks())
	}
	var buf bytes.Buffer
	if err := DumpTasks(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "introspected") || !strings.Contains(out, "dumpTestParked") {
		t.Fatalf("dump lacks the task or its stack:\n%s", out)
	}
	close(release)
	task.Await(context.Background())
	for _, info := range AllTasks() {
		if info.ID == task.ID() {
			t.Fatal("a settled task is still listed by AllTasks")
		}
	}
}

//go:noinline
func dumpTestParked(release chan struct{}) { <-release }

func TestTaskIDFromStackRoundTrip(t *testing.T) {
	for _, id := range []uint64{1, 2, 3, 4, 5, 15, 16, 255, 256, 0xffff, 0x10000, 1 << 20, 123456789, 1 << 56, 1<<64 - 1} {
		got := make(chan uint64, 1)
		r := &stackProbe{id: id, got: got}
		taskStart(r)
		if v := <-got; v != id {
			t.Fatalf("id %d decoded as %d", id, v)
		}
	}
}

// TestTaskTagTable checks the generated table: digit d calls the tag
// function whose name spells d.
func TestTaskTagTable(t *testing.T) {
	for d, f := range taskTags {
		name := runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
		if want := fmt.Sprintf("%s%02x", taskTagPrefix, d); name != want {
			t.Fatalf("taskTags[%d] is %s, want %s", d, name, want)
		}
	}
}

type stackProbe struct {
	id  uint64
	got chan uint64
	m   taskMeta
}

func (p *stackProbe) runBody() {
	buf := make([]byte, 64<<10)
	n := runtime.Stack(buf, false)
	id, _ := taskIDFromStack(string(buf[:n]))
	p.got <- id
}

func (p *stackProbe) release() {}

func (p *stackProbe) spindleMeta() *taskMeta { p.m.id = p.id; return &p.m }

func TestGoNilArgumentsPanicClearly(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "nil function") {
			t.Fatalf("recover = %v", r)
		}
	}()
	Go[int](context.Background(), nil)
}

// TestAllTasksOrder checks the order AllTasks promises: running tasks by
// when their functions began, then tasks waiting to start.
func TestAllTasksOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		park := func(ctx context.Context) (int, error) { <-release; return 0, nil }
		first := Go(context.Background(), park, Named("first"))
		time.Sleep(time.Second)
		second := Go(context.Background(), park, Named("second"))
		time.Sleep(time.Second)
		g := NewGroup(context.Background(), GroupLimit(1))
		g.Go(func(context.Context) error { <-release; return nil })
		waiting := Spawn(g, park, Named("waiting"))
		synctest.Wait()
		var names []string
		for _, info := range AllTasks() {
			switch info.ID {
			case first.ID(), second.ID(), waiting.ID():
				names = append(names, info.Name)
			}
		}
		if want := []string{"first", "second", "waiting"}; !slices.Equal(names, want) {
			t.Errorf("AllTasks lists %v, want %v", names, want)
		}
		close(release)
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		first.Await(context.Background())
		second.Await(context.Background())
	})
}
