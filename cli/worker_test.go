package cli

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestWorkerAndEnqueue(t *testing.T) {
	url := tempStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	go func() { done <- executeCtx(t, ctx, "", "worker", "--store", url, "-c", "2", "--grace", "1s") }()

	r := execute(t, "", "enqueue", "test.double", "21", "--wait", "--timeout", "1m", "--store", url)
	wantOK(t, r)
	if r.out != "42\n" || !strings.Contains(r.errOut, "waiting for it") {
		t.Errorf("enqueue --wait: %v", r)
	}
	// The greeting goes to the definition's own queue, which the worker
	// takes from by default.
	r = execute(t, `{"name":"bo"}`, "enqueue", "test.greet", "-", "--wait", "--json", "--store", url)
	wantOK(t, r)
	if res := decode[resultJSON](t, r.out); res.State != "succeeded" || compact(t, res.Result) != `"hello, bo"` {
		t.Errorf("enqueue - --wait --json: %+v", res)
	}
	r = execute(t, "", "enqueue", "test.greet", `{"name":""}`, "--wait", "--store", url)
	wantFail(t, afterEnqueued(t, r), ExitFailed, "dead after 1 attempt", "nobody to greet")

	cancel()
	w := <-done
	wantOK(t, w)
	for _, want := range []string{"worker started", `queues="default=1,greetings=1"`, "concurrency=2", "jobs=\"test.double, test.greet\"", "worker stopped"} {
		if !strings.Contains(w.errOut, want) {
			t.Errorf("worker log lacks %q:\n%s", want, w.errOut)
		}
	}
}

func TestEnqueueWithoutWorker(t *testing.T) {
	url := tempStore(t)
	r := execute(t, "", "enqueue", "test.greet", `{"name":"cy"}`, "--store", url, "--queue", "later", "--priority", "7", "--delay", "1h")
	wantOK(t, r)
	id := strings.TrimSpace(r.out)
	j := decode[jobJSON](t, execute(t, "", "job", id, "--json", "--store", url).out)
	if j.Name != "test.greet" || j.Queue != "later" || j.Priority != 7 || j.State != "scheduled" || j.RunAt == nil || time.Until(*j.RunAt) < 50*time.Minute {
		t.Errorf("enqueued with options: %+v", j)
	}
	e := decode[enqueuedJSON](t, execute(t, "", "enqueue", "test.double", "3", "--json", "--store", url).out)
	if e.Name != "test.double" || e.Queue != "default" || e.ID == "" {
		t.Errorf("enqueue --json: %+v", e)
	}
	wantFail(t, afterEnqueued(t, execute(t, "", "enqueue", "test.double", "3", "--wait", "--timeout", "20ms", "--store", url)), ExitFailed, "still queued after waiting 20ms")
}

func TestWorkerAndEnqueueBadInput(t *testing.T) {
	url := tempStore(t)
	for _, tc := range []struct {
		args     []string
		mentions []string
	}{
		{[]string{"enqueue"}, []string{"needs a job name and its JSON arguments"}},
		{[]string{"enqueue", "test.greet"}, []string{"got 1 argument"}},
		{[]string{"enqueue", "nope", "{}"}, []string{`no job named "nope"`, "test.double, test.greet"}},
		{[]string{"enqueue", "test.greet", `{"nmae":"x"}`}, []string{"does not decode into cli.greetArgs", "nmae"}},
		{[]string{"enqueue", "test.greet", `not json`}, []string{"does not decode"}},
		{[]string{"enqueue", "test.double", `"x"`}, []string{"does not decode into int"}},
		{[]string{"enqueue", "test.double", "1", "--delay", "-1s"}, []string{"--delay"}},
		{[]string{"enqueue", "test.double", "1", "--queue", "no spaces"}, []string{"not a queue name"}},
		{[]string{"worker", "extra"}, []string{"takes no arguments"}},
		{[]string{"worker", "-c", "0"}, []string{"--concurrency 0"}},
		{[]string{"worker", "--queue", "a=0"}, []string{"weight"}},
		{[]string{"worker", "--queue", "a,a"}, []string{"given twice"}},
		{[]string{"worker", "--lease", "1ms"}, []string{"--lease"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			wantFail(t, execute(t, "", append(tc.args, "--store", url)...), ExitUsage, tc.mentions...)
		})
	}
	// Nothing was stored by any of them.
	if st := decode[statsJSON](t, execute(t, "", "stats", "--json", "--store", url).out); st.Total != 0 {
		t.Errorf("bad enqueues stored jobs: %+v", st)
	}
}

func TestWorkerAndEnqueueOnlyWithDefinitions(t *testing.T) {
	root := NewCommand(Config{Name: "spindle"})
	if c, _, err := root.Find([]string{"enqueue"}); err == nil && c != root {
		t.Errorf("a tree without definitions has enqueue")
	}
	// Its worker only explains where workers run.
	if c, _, err := root.Find([]string{"worker"}); err != nil || !strings.Contains(c.Long, "cli.Main(") || c.Flags().Lookup("concurrency") != nil {
		t.Errorf("a tree without definitions: worker is not the explainer (%v)", err)
	}
	root = NewCommand(Config{Name: "myapp", Definitions: testDefs})
	if c, _, err := root.Find([]string{"worker"}); err != nil || c.Name() != "worker" {
		t.Errorf("a tree with definitions lacks worker: %v", err)
	}
	if !strings.Contains(root.Long, "myapp demo") || strings.Contains(root.Long, "spindle demo") {
		t.Errorf("help of a user's binary does not use its name:\n%s", root.Long)
	}
}

func TestNewCommandRefusesDuplicateNames(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.Contains(v.(error).Error(), `two definitions named "test.greet"`) {
			t.Errorf("recovered %v", v)
		}
	}()
	NewCommand(Config{Definitions: append(testDefs, tGreet)})
}

// afterEnqueued drops the line enqueue --wait prints before it waits.
func afterEnqueued(t *testing.T, r result) result {
	t.Helper()
	first, rest, _ := strings.Cut(r.errOut, "\n")
	if !strings.HasPrefix(first, "enqueued ") || !strings.HasSuffix(first, "; waiting for it") {
		t.Errorf("enqueue --wait does not say what it waits for: %q", r.errOut)
	}
	r.errOut = rest
	return r
}
