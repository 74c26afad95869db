package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/cli"
)

// newTourCmd is the in-process part of Spindle at work: goroutines, not
// durable jobs. It lives here rather than in package cli, so users'
// binaries do not carry it.
func newTourCmd() *cobra.Command {
	var scale time.Duration
	cmd := &cobra.Command{
		Use:   "tour",
		Short: "Run the asyncio scenarios in-process and show what happened and how long it took",
		Long: `tour runs the asyncio scenarios Spindle was built from, in this process,
with package spindle alone (no store): gather of nested groups, a task group
whose child fails, wait for the first result, a timeout that is
rescheduled, a shielded save, and a future resolved from a callback. Each
prints what happened and how long it took.

--unit scales every sleep in the scenarios (default 10ms, as in "1 second"
of the original examples = 10ms here).`,
		Example: `  spindle tour
  spindle tour --unit 100ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if scale <= 0 {
				return cli.Usage(fmt.Errorf("--unit must be a positive duration such as 10ms, got %v", scale))
			}
			return runTour(cmd.Context(), cmd.OutOrStdout(), scale)
		},
	}
	cmd.Flags().DurationVar(&scale, "unit", 10*time.Millisecond, "how long one \"second\" of the asyncio scenarios lasts")
	return cmd
}

type tourScenario struct {
	name string
	run  func(ctx context.Context, w io.Writer, unit time.Duration) error
}

var tourScenarios = []tourScenario{
	{"gather: three groups of tasks, results in order", tourGather},
	{"task group: one child fails, siblings are cancelled", tourGroup},
	{"wait: first completed, then the rest", tourWait},
	{"timeout: rescheduled once, then expired", tourTimeout},
	{"shield: a save outlives its cancelled caller", tourShield},
	{"future: resolved from a done callback", tourFuture},
}

// lockedWriter lets the scenarios' goroutines print without interleaving
// partial lines or racing on the writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func runTour(ctx context.Context, out io.Writer, unit time.Duration) error {
	w := &lockedWriter{w: out}
	fmt.Fprintf(w, "Spindle tour: %d in-process scenarios (1 unit = %v)\n\n", len(tourScenarios), unit)
	total := time.Now()
	for i, s := range tourScenarios {
		fmt.Fprintf(w, "[%d/%d] %s\n", i+1, len(tourScenarios), s.name)
		start := time.Now()
		if err := s.run(ctx, w, unit); err != nil {
			return fmt.Errorf("scenario %q: %w", s.name, err)
		}
		fmt.Fprintf(w, "      took %v\n\n", time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintf(w, "All %d scenarios done in %v.\n", len(tourScenarios), time.Since(total).Round(time.Millisecond))
	return nil
}

func sleepThen[T any](d time.Duration, v T) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) { return v, spindle.Sleep(ctx, d) }
}

func tourGather(ctx context.Context, w io.Writer, unit time.Duration) error {
	group := func(name string, n int) spindle.Awaitable[[]string] {
		var tasks []spindle.Awaitable[string]
		for i := 1; i <= n; i++ {
			tasks = append(tasks, spindle.Go(ctx, sleepThen(time.Duration(1+(i*7)%3)*unit, fmt.Sprintf("%s.%d", name, i))))
		}
		return spindle.Go(ctx, func(ctx context.Context) ([]string, error) { return spindle.Gather(ctx, tasks...) })
	}
	results, err := spindle.Gather(ctx, group("g1", 5), group("g2", 3), group("g3", 9))
	for _, r := range results {
		fmt.Fprintf(w, "      %v\n", r)
	}
	return err
}

func tourGroup(ctx context.Context, w io.Writer, unit time.Duration) error {
	g := spindle.NewGroup(ctx)
	g.Go(func(ctx context.Context) error {
		if err := spindle.Sleep(ctx, unit); err != nil {
			return err
		}
		return errors.New("payment service answered 503")
	})
	for i := 1; i <= 3; i++ {
		g.Go(func(ctx context.Context) error {
			err := spindle.Sleep(ctx, 100*unit)
			fmt.Fprintf(w, "      sibling %d stopped early: %v\n", i, context.Cause(ctx))
			return err
		})
	}
	fmt.Fprintf(w, "      group failed with: %v\n", g.Wait())
	return nil
}

func tourWait(ctx context.Context, w io.Writer, unit time.Duration) error {
	var tasks []spindle.Awaitable[int]
	for i := 5; i >= 1; i-- {
		tasks = append(tasks, spindle.Go(ctx, sleepThen(time.Duration(i)*unit, i)))
	}
	done, pending, err := spindle.Wait(ctx, spindle.FirstCompleted, 0, tasks...)
	if err != nil {
		return err
	}
	first, _ := done[0].Result()
	fmt.Fprintf(w, "      first done: %d, still pending: %d\n", first, len(pending))
	for a := range spindle.AsCompleted(ctx, pending...) {
		v, _ := a.Result()
		fmt.Fprintf(w, "      then: %d\n", v)
	}
	return nil
}

func tourTimeout(ctx context.Context, w io.Writer, unit time.Duration) error {
	scope, tctx := spindle.NewTimeout(ctx, 2*unit)
	defer scope.Stop()
	scope.Reschedule(time.Now().Add(4 * unit))
	err := scope.Err(spindle.Sleep(tctx, 100*unit))
	fmt.Fprintf(w, "      expired: %v, timeout: %v, cancel: %v\n", scope.Expired(), errors.Is(err, spindle.ErrTimeout), errors.Is(err, context.Canceled))
	return nil
}

func tourShield(ctx context.Context, w io.Writer, unit time.Duration) error {
	caller, cancel := context.WithCancelCause(ctx)
	save := spindle.Shield(caller, sleepThen(2*unit, "order 1138 saved"), spindle.Named("save-order"))
	cancel(errors.New("client disconnected"))
	_, err := save.Await(caller)
	fmt.Fprintf(w, "      caller gave up: %v\n", err)
	v, err := save.Await(ctx)
	fmt.Fprintf(w, "      shielded work: %s (err %v)\n", v, err)
	return err
}

func tourFuture(ctx context.Context, w io.Writer, unit time.Duration) error {
	fut := spindle.NewFuture[int]()
	spindle.Go(ctx, sleepThen(unit, struct{}{})).OnDone(func(*spindle.Task[struct{}]) { fut.Resolve(555) })
	v, err := fut.Await(ctx)
	fmt.Fprintf(w, "      future resolved with %d\n", v)
	return err
}
