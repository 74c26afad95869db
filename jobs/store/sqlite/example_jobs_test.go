package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spindlehq/spindle/jobs"
	_ "github.com/spindlehq/spindle/jobs/store/sqlite" // registers "sqlite:" with jobs.Open
)

type Resize struct {
	Image string `json:"image"`
	Width int    `json:"width"`
}

var resize = jobs.Define("images.resize", func(ctx context.Context, r Resize) (string, error) {
	return fmt.Sprintf("%s@%dw", r.Image, r.Width), nil
}, jobs.Queue("images"), jobs.Retries(5))

// Durable jobs in a SQLite file: the one import line above makes
// "sqlite:" URLs work in jobs.Open, and the empty URL opens
// sqlite:spindle.db in the working directory.
func Example_jobs() {
	dir, _ := os.MkdirTemp("", "spindle-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	c, err := jobs.Open(ctx, "sqlite:"+filepath.Join(dir, "jobs.db"))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Queues: map[string]int{"images": 1}}, resize)
	if err != nil {
		panic(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }() // usually another process

	h, err := resize.Enqueue(ctx, c, Resize{Image: "cat.png", Width: 200})
	if err != nil {
		panic(err)
	}
	thumb, err := h.Await(ctx) // woken by the store, not a poll loop
	fmt.Println(thumb, err)
	stop()
	<-done
	// Output: cat.png@200w <nil>
}
