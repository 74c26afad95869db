package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRunReportsEveryTaskAndTheJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		start := time.Now()
		if err := run(context.Background(), []string{"-maxsleep=50ms"}, &out); err != nil {
			t.Fatalf("run: %v", err)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("the job took %v: with 25 workers for 10 tasks it should take at most -maxsleep (50ms)", d)
		}

		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 12 {
			t.Fatalf("%d lines, want 12 (start, 10 tasks, end):\n%s", len(lines), out.String())
		}
		jobID, ok := strings.CutPrefix(lines[0], "Starting Job ")
		if !ok || !uuidRE.MatchString(jobID) {
			t.Fatalf("first line %q: want Starting Job <uuid>", lines[0])
		}
		seen := map[int]bool{}
		for _, line := range lines[1:11] {
			var id string
			var taskID, result int
			var secs float64
			if _, err := fmt.Sscanf(line, "Task completed in job_id=%36s: task_id=%d result=%d time_secs=%f", &id, &taskID, &result, &secs); err != nil {
				t.Fatalf("task line %q: %v", line, err)
			}
			if id != jobID {
				t.Errorf("task line %q: job id %q, want %q", line, id, jobID)
			}
			if result != taskID*taskID || seen[taskID] || secs > 0.05 {
				t.Errorf("task line %q: want each task once, squared, within -maxsleep", line)
			}
			seen[taskID] = true
		}
		if want := "Job " + jobID + " completed: elapsed_secs="; !strings.HasPrefix(lines[11], want) ||
			!strings.HasSuffix(lines[11], " done=10 failed=0 skipped=0") {
			t.Errorf("last line %q: want %q... done=10 failed=0 skipped=0", lines[11], want)
		}
	})
}

func TestRunCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errStop := errors.New("stop")
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errStop)
		var out bytes.Buffer
		err := run(ctx, nil, &out)
		if !errors.Is(err, errStop) {
			t.Fatalf("run: %v, want errStop", err)
		}
		if !strings.Contains(out.String(), "done=0 failed=0 skipped=0") {
			t.Errorf("output %q: want the job-completed line even when cancelled", out.String())
		}
	})
}

func TestRunBadFlag(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-maxsleep=-1s"}, &out); err == nil || !strings.Contains(err.Error(), "-maxsleep") {
		t.Errorf("run: %v, want an error naming -maxsleep", err)
	}
}
