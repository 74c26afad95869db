package cli

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

func TestWorkersCommand(t *testing.T) {
	url := newStore(t)
	r := execute(t, "", "workers", "--store", url)
	if r.code != 0 || !strings.Contains(r.out, "no workers are running") {
		t.Errorf("workers with none: %v", r)
	}
	if ws := decode[[]workerJSON](t, execute(t, "", "workers", "--json", "--store", url).out); len(ws) != 0 {
		t.Errorf("workers --json with none: %+v", ws)
	}

	c := openClient(t, url)
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{ID: "test-worker-1", Concurrency: 3, Queues: map[string]int{"images": 2, "mail": 1},
		Logger: slog.New(slog.DiscardHandler)}, tDouble)
	if err != nil {
		t.Fatal(err)
	}
	stop := runWorker(context.Background(), w)
	// The worker announces itself as Run starts; wait for it.
	var ws []workerJSON
	for range 200 {
		if ws = decode[[]workerJSON](t, execute(t, "", "workers", "--json", "--store", url).out); len(ws) == 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(ws) != 1 {
		t.Fatalf("workers --json: %+v", ws)
	}
	got := ws[0]
	if got.ID != "test-worker-1" || got.Concurrency != 3 || got.Queues["images"] != 2 || got.Queues["mail"] != 1 || got.InFlight != 0 ||
		got.PID == 0 || got.Host == "" || got.Started == nil || got.LastHeartbeat == nil || got.Until == nil || !got.Until.After(*got.LastHeartbeat) {
		t.Errorf("workers --json: %+v", got)
	}
	r = execute(t, "", "workers", "--store", url)
	for _, want := range []string{"WORKER", "IN FLIGHT", "test-worker-1", "images=2,mail=1", " ago"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("workers lacks %q:\n%s", want, r.out)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A worker that stopped withdraws at once.
	if ws := decode[[]workerJSON](t, execute(t, "", "workers", "--json", "--store", url).out); len(ws) != 0 {
		t.Errorf("workers --json after the worker stopped: %+v", ws)
	}
}
