package integration_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

type Resize struct {
	Image string `json:"image"`
	Width int    `json:"width"`
}

var resize = jobs.Define("images.resize", func(ctx context.Context, r Resize) (string, error) {
	return fmt.Sprintf("%s@%dw", r.Image, r.Width), nil
}, jobs.Queue("images"), jobs.Retries(5))

// runWorker runs a worker until the returned stop func is called.
func runWorker(c *jobs.Client, opts jobs.WorkerOptions, defs ...jobs.Registrable) func() {
	w, err := jobs.NewWorker(c, opts, defs...)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Run(ctx)
	}()
	return func() { cancel(); <-done }
}

func TestEnqueueJSONStoresDecodedArgs(t *testing.T) {
	ctx := context.Background()
	c, _ := memClient(t)
	id, err := resize.EnqueueJSON(ctx, c, []byte(`{"image":"cat.png","width":200}`), jobs.Priority(3))
	if err != nil {
		t.Fatal(err)
	}
	j, err := c.Inspect().Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if j.Name != "images.resize" || j.Queue != "images" || j.Priority != 3 || string(j.Args) != `{"image":"cat.png","width":200}` {
		t.Errorf("stored %s in %s, priority %d, args %s", j.Name, j.Queue, j.Priority, j.Args)
	}
	if resize.Queue() != "images" || resize.ArgsType() != "integration_test.Resize" {
		t.Errorf("Queue() %q, ArgsType() %q", resize.Queue(), resize.ArgsType())
	}
}

func TestEnqueueJSONRefusesArgsThatDoNotFit(t *testing.T) {
	ctx := context.Background()
	c, _ := memClient(t)
	for _, args := range []string{
		``,
		`not json`,
		`{"image":"cat.png","widht":200}`,
		`{"image":1}`,
		`{"image":"a"} {"image":"b"}`,
		`[1,2]`,
	} {
		_, err := resize.EnqueueJSON(ctx, c, []byte(args))
		if !errors.Is(err, jobs.ErrBadArgs) || !strings.Contains(err.Error(), "integration_test.Resize") {
			t.Errorf("EnqueueJSON(%q): %v; want ErrBadArgs naming the type", args, err)
		}
	}
	st, err := c.Inspect().Stats(ctx)
	if err != nil || st.Counts[store.Queued] != 0 {
		t.Errorf("stats %+v, %v: bad arguments must store nothing", st, err)
	}
}

func TestEnqueueJSONAfterClose(t *testing.T) {
	c, _ := memClient(t)
	c.Close()
	if _, err := resize.EnqueueJSON(context.Background(), c, []byte(`{"image":"a","width":1}`)); !errors.Is(err, jobs.ErrClientClosed) {
		t.Errorf("after Close: %v, want ErrClientClosed", err)
	}
}

// Enqueue a job from JSON, as a command line or a webhook holds it, and
// await it by ID.
func ExampleDefinition_EnqueueJSON() {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		panic(err)
	}
	defer c.Close()
	stop := runWorker(c, jobs.WorkerOptions{Queues: map[string]int{resize.Queue(): 1}}, resize)
	defer stop()

	id, err := resize.EnqueueJSON(ctx, c, []byte(`{"image":"cat.png","width":120}`))
	if err != nil {
		panic(err)
	}
	thumb, err := jobs.HandleOf[string](c, id).Await(ctx)
	fmt.Println(thumb, err)

	_, err = resize.EnqueueJSON(ctx, c, []byte(`{"image":"cat.png","widht":120}`))
	fmt.Println(errors.Is(err, jobs.ErrBadArgs))
	// Output:
	// cat.png@120w <nil>
	// true
}
