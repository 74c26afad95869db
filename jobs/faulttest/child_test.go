//go:build fault

package faulttest

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// runChild is the body of a child process; it returns the exit code. The
// parent kills most children with SIGKILL, so nothing here may rely on
// running to the end.
func runChild(role string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	c, err := jobs.Open(ctx, os.Getenv(envURL))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	defer c.Close()
	queue := os.Getenv(envQueue)
	switch role {
	case "worker":
		err = childWorker(ctx, c, queue)
	case "producer":
		err = childProducer(ctx, c, queue)
	case "storm":
		err = childStorm(ctx, c, queue)
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "child %s: %v\n", role, err)
		return 1
	}
	return 0
}

// childWorker runs fault.work jobs, reporting each handler's start and end
// on stdout, until SIGTERM or SIGKILL.
func childWorker(ctx context.Context, c *jobs.Client, queue string) error {
	lease, err := time.ParseDuration(os.Getenv(envLease))
	if err != nil {
		return err
	}
	conc, _ := strconv.Atoi(os.Getenv(envConc))
	log := newExecLog()
	log.out = os.Stdout
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{
		Concurrency: conc, Queues: map[string]int{queue: 1}, LeaseDuration: lease, Grace: time.Second,
		Logger: slog.New(slog.DiscardHandler),
	}, workDef(strconv.Itoa(os.Getpid()), log))
	if err != nil {
		return err
	}
	fmt.Println("ready")
	return w.Run(ctx)
}

// ackFile appends acknowledgement lines and makes them durable before the
// caller goes on: a line in the file means the operation had returned. A
// line is "kind id ok"; one that a kill cut short lacks the "ok" and does
// not count.
type ackFile struct {
	mu sync.Mutex
	f  *os.File
}

func openAck() (*ackFile, error) {
	path := os.Getenv(envAck)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	// A process killed mid-write leaves a last line without its newline;
	// end it, so this process's first line does not run into it.
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, fi.Size()-1); err == nil && last[0] != '\n' {
			if _, err := f.WriteString("\n"); err != nil {
				return nil, err
			}
		}
	}
	return &ackFile{f: f}, nil
}

// ack writes one line per id in one write, then fsyncs. The fsync is
// outside the lock, so concurrent ackers share the disk's flushes rather
// than queue for one each: any fsync that starts after a line's write
// makes it durable.
func (a *ackFile) ack(kind string, ids []string) error {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(kind + " " + id + " ok\n")
	}
	a.mu.Lock()
	_, err := a.f.WriteString(b.String())
	a.mu.Unlock()
	if err != nil {
		return err
	}
	return a.f.Sync()
}

// childProducer enqueues jobs until killed, acknowledging every enqueue
// that returned success. One producer (envProducers unset or 1)
// enqueues one job at a time and batches by turns. n producers are n
// goroutines on the one client, each enqueuing one job at a time, so the
// client's group commit makes writes that carry many calls; the child
// prints "B size" for each write, size being how many calls it carried,
// and "C" as each call starts.
func childProducer(ctx context.Context, c *jobs.Client, queue string) error {
	ack, err := openAck()
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(os.Getenv(envProducers))
	if n <= 1 {
		fmt.Println("ready")
		return produceMixed(ctx, c, queue, ack)
	}
	stop := c.SubscribeBatches(func(size int) { fmt.Printf("B %d\n", size) })
	defer stop()
	fmt.Println("ready")
	errs := make(chan error, n)
	for range n {
		go func() { errs <- produceSingles(ctx, c, queue, ack) }()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// produceMixed enqueues single jobs and batches of up to 20 by turns.
func produceMixed(ctx context.Context, c *jobs.Client, queue string, ack *ackFile) error {
	for i := 0; ctx.Err() == nil; i++ {
		var ids []string
		if i%3 == 2 {
			args := make([]workArgs, 1+rand.IntN(20))
			g, err := producerDef.Map(ctx, c, args, jobs.Queue(queue))
			if err != nil {
				return err
			}
			ids = groupIDs(g)
		} else {
			h, err := producerDef.Enqueue(ctx, c, workArgs{N: i}, jobs.Queue(queue))
			if err != nil {
				return err
			}
			ids = []string{h.ID()}
		}
		if err := ack.ack("E", ids); err != nil {
			return err
		}
	}
	return nil
}

// produceSingles enqueues one job at a time, printing "C" as each call
// starts, so the parent can count the calls a kill left unanswered.
func produceSingles(ctx context.Context, c *jobs.Client, queue string, ack *ackFile) error {
	for i := 0; ctx.Err() == nil; i++ {
		fmt.Println("C")
		h, err := producerDef.Enqueue(ctx, c, workArgs{N: i}, jobs.Queue(queue))
		if err != nil {
			return err
		}
		if err := ack.ack("E", []string{h.ID()}); err != nil {
			return err
		}
	}
	return nil
}

// childStorm writes as fast as it can, from several goroutines: batches
// of jobs enqueued (acknowledged "E id"), a worker running them, and
// awaits of the results (acknowledged "F id" once the store reports the
// job succeeded), until killed.
func childStorm(ctx context.Context, c *jobs.Client, queue string) error {
	ack, err := openAck()
	if err != nil {
		return err
	}
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{
		Concurrency: 8, Queues: map[string]int{queue: 1}, LeaseDuration: time.Second, Grace: time.Second,
		Logger: slog.New(slog.DiscardHandler),
	}, workDef("storm", nil))
	if err != nil {
		return err
	}
	errs := make(chan error, 5)
	go func() { errs <- w.Run(ctx) }()
	for range 4 {
		go func() { errs <- stormProducer(ctx, c, queue, ack) }()
	}
	fmt.Println("ready")
	return <-errs
}

func stormProducer(ctx context.Context, c *jobs.Client, queue string, ack *ackFile) error {
	var prev *jobs.Group[int]
	for ctx.Err() == nil {
		g, err := producerDef.Map(ctx, c, make([]workArgs, 25), jobs.Queue(queue))
		if err != nil {
			return err
		}
		if err := ack.ack("E", groupIDs(g)); err != nil {
			return err
		}
		if prev != nil {
			if _, err := prev.Await(ctx); err != nil {
				return err
			}
			if err := ack.ack("F", groupIDs(prev)); err != nil {
				return err
			}
		}
		prev = g
	}
	return nil
}

func groupIDs(g *jobs.Group[int]) []string {
	hs := g.Handles()
	ids := make([]string, len(hs))
	for i, h := range hs {
		ids[i] = h.ID()
	}
	return ids
}
