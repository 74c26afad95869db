package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
)

func (a *app) workerCmd() *cobra.Command {
	var (
		queues      []string
		concurrency int
		grace       time.Duration
		lease       time.Duration
		mo          metricsOptions
	)
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run this binary's jobs until interrupted",
		Long: a.ex(`worker claims jobs from the store and runs them with this binary's
definitions, --concurrency at a time, until it receives SIGINT (Ctrl-C) or
SIGTERM. It then stops claiming, gives jobs that have not started back to
their queues, lets running jobs finish for up to --grace, and exits 0.

It takes jobs from the queues its definitions use, unless --queue names
others. --queue may be repeated or comma-separated, each as NAME or
NAME=WEIGHT: when several queues have work, a claim starts from one picked
with probability proportional to its weight (default 1).

Run as many workers as you like, in as many processes and machines as the
store reaches: each job runs at least once. A worker that dies holds its
jobs until their lease (--lease) expires, then another worker runs them
again.

--metrics-addr serves Prometheus metrics at /metrics on that address while
the worker runs: jobs enqueued, attempts processed, failed, retried,
dead-lettered, revoked and expired, attempt durations and jobs in flight,
by queue and job name, plus the Go runtime's and the process's metrics;
--metrics-queues adds the queue depth read from the store at each scrape
(serve it from one process, not every worker). Like the dashboard, a
loopback address needs nothing, any other needs a token (--metrics-token
or SPINDLE_METRICS_TOKEN, at least 16 characters) that Prometheus sends as
a bearer token.

This binary runs: ` + a.definitionNames() + `.` + a.scheduleNames()),
		Example: a.ex(`  spindle worker
  spindle worker --queue images=3,mail --concurrency 16
  spindle worker --store sqlite:/var/lib/app/jobs.db --grace 30s
  spindle worker --metrics-addr 127.0.0.1:9090`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			qs, err := a.parseQueues(queues)
			if err != nil {
				return err
			}
			if concurrency < 1 {
				return usagef("--concurrency %d: want at least 1", concurrency)
			}
			if grace < 0 {
				return usagef("--grace %v: want 0 or more", grace)
			}
			if lease < jobs.MinLeaseDuration {
				return usagef("--lease %v: want at least %v", lease, jobs.MinLeaseDuration)
			}
			if err := mo.check(); err != nil {
				return err
			}
			return a.withStore(cmd, true, func(ctx context.Context, c *jobs.Client) error {
				logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo}))
				regs := make([]jobs.Registrable, len(a.defs))
				for i, d := range a.defs {
					regs[i] = d
				}
				// WorkerOptions reads a zero Grace as the default; --grace 0 means none.
				g := max(grace, time.Nanosecond)
				w, err := jobs.NewWorker(c, jobs.WorkerOptions{
					Concurrency: concurrency, Queues: qs, Grace: g, LeaseDuration: lease, Logger: logger,
					Middleware: a.cfg.Middleware, Schedules: a.cfg.Schedules,
				}, regs...)
				if err != nil {
					return Usage(err)
				}
				stopMetrics, err := mo.start(ctx, c, logger)
				if err != nil {
					return err
				}
				defer stopMetrics()
				logger.Info("worker started", "worker", w.ID(), "store", jobs.RedactURL(a.store), "queues", fmtQueues(qs), "concurrency", concurrency, "jobs", a.definitionNames())
				if err := w.Run(ctx); err != nil {
					return fmt.Errorf("worker: %w", err)
				}
				logger.Info("worker stopped", "worker", w.ID())
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringSliceVarP(&queues, "queue", "q", nil, "queues to take jobs from, as NAME or NAME=WEIGHT (default: the definitions' queues)")
	f.IntVarP(&concurrency, "concurrency", "c", 8, "how many jobs run at once")
	f.DurationVar(&grace, "grace", 10*time.Second, "how long running jobs may finish at shutdown")
	f.DurationVar(&lease, "lease", 30*time.Second, "how long a claimed job stays reserved without a heartbeat")
	mo.flags(cmd)
	a.completeQueueFlag(cmd, "queue")
	return cmd
}

// parseQueues turns --queue values into worker weights; none means the
// definitions' own queues.
func (a *app) parseQueues(vals []string) (map[string]int, error) {
	qs := make(map[string]int)
	if len(vals) == 0 {
		for _, d := range a.defs {
			qs[d.Queue()] = 1
		}
		return qs, nil
	}
	for _, v := range vals {
		name, weight, hasWeight := strings.Cut(strings.TrimSpace(v), "=")
		if err := checkQueue("--queue", name); err != nil {
			return nil, err
		}
		w := 1
		if hasWeight {
			n, err := strconv.Atoi(weight)
			if err != nil || n < 1 {
				return nil, usagef("--queue %q: the weight must be a whole number of at least 1", v)
			}
			w = n
		}
		if _, dup := qs[name]; dup {
			return nil, usagef("--queue %q: queue %s given twice", v, name)
		}
		qs[name] = w
	}
	return qs, nil
}

func fmtQueues(qs map[string]int) string {
	names := make([]string, 0, len(qs))
	for q := range qs {
		names = append(names, q)
	}
	sort.Strings(names)
	for i, q := range names {
		names[i] = fmt.Sprintf("%s=%d", q, qs[q])
	}
	return strings.Join(names, ",")
}

type enqueuedJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Queue string `json:"queue"`
}

func (a *app) enqueueCmd() *cobra.Command {
	var (
		queue    string
		priority int
		delay    time.Duration
		wait     bool
		timeout  time.Duration
		asJSON   bool
	)
	var names []string
	for _, d := range a.defs {
		names = append(names, fmt.Sprintf("  %-24s args %s, queue %s", d.Name(), d.ArgsType(), d.Queue()))
	}
	cmd := &cobra.Command{
		Use:   "enqueue NAME JSON",
		Short: "Enqueue one job by name with JSON arguments",
		Long: a.ex(`enqueue stores one job of the named definition and prints its ID. JSON is
the job's arguments; it must decode into the definition's argument type
(unknown fields are refused, so a typo is caught here rather than in the
worker). Give - to read the JSON from stdin.

--queue, --priority and --delay override the definition's defaults for this
job. --wait waits for the job to finish and prints its result as "result"
does (a worker must be running somewhere).

With --json it prints {"id", "name", "queue"}, or with --wait the object
"result --json" prints.

This binary defines:
` + strings.Join(names, "\n")),
		Example: a.ex(`  spindle enqueue ` + a.defs[0].Name() + ` '{...}'
  echo '{...}' | spindle enqueue ` + a.defs[0].Name() + ` -
  spindle enqueue ` + a.defs[0].Name() + ` '{...}' --delay 1m --priority 5
  spindle enqueue ` + a.defs[0].Name() + ` '{...}' --wait --timeout 30s`),
		Args:              exactArgs(2, "a job name", "its JSON arguments"),
		ValidArgsFunction: a.completeDefinition,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.definition(args[0])
			if err != nil {
				return err
			}
			raw := []byte(args[1])
			if args[1] == "-" {
				if raw, err = io.ReadAll(cmd.InOrStdin()); err != nil {
					return fmt.Errorf("reading the arguments from stdin: %w", err)
				}
			}
			var opts []jobs.EnqueueOption
			if queue != "" {
				if err := checkQueue("--queue", queue); err != nil {
					return err
				}
				opts = append(opts, jobs.Queue(queue))
			}
			if cmd.Flags().Changed("priority") {
				opts = append(opts, jobs.Priority(priority))
			}
			if delay < 0 {
				return usagef("--delay %v: want 0 or more", delay)
			}
			if delay > 0 {
				opts = append(opts, jobs.Delay(delay))
			}
			if timeout < 0 {
				return usagef("--timeout %v: want 0 (no limit) or more", timeout)
			}
			return a.withStore(cmd, true, func(ctx context.Context, c *jobs.Client) error {
				id, err := d.EnqueueJSON(ctx, c, raw, opts...)
				if errors.Is(err, jobs.ErrBadArgs) {
					return Usage(err)
				}
				if err != nil {
					return a.storeErr("enqueue "+d.Name(), "", err)
				}
				if !wait {
					if asJSON {
						q := queue
						if q == "" {
							q = d.Queue()
						}
						return writeJSON(cmd.OutOrStdout(), enqueuedJSON{ID: id, Name: d.Name(), Queue: q})
					}
					_, err := fmt.Fprintln(cmd.OutOrStdout(), id)
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "enqueued", id+"; waiting for it")
				j, err := a.awaitJob(ctx, c, id, timeout)
				if err != nil {
					return err
				}
				return a.printResult(cmd, j, asJSON)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&queue, "queue", "", "put the job in this queue instead of the definition's")
	f.IntVar(&priority, "priority", 0, "higher runs first among ready jobs")
	f.DurationVar(&delay, "delay", 0, "make the job ready this long from now")
	f.BoolVar(&wait, "wait", false, "wait for the job and print its result")
	f.DurationVar(&timeout, "timeout", 0, "with --wait: give up after this long (0: no limit)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	a.completeQueueFlag(cmd, "queue")
	return cmd
}

// scheduleNames lists the periodic jobs the worker fires, for its help.
func (a *app) scheduleNames() string {
	if len(a.cfg.Schedules) == 0 {
		return ""
	}
	parts := make([]string, len(a.cfg.Schedules))
	for i, sc := range a.cfg.Schedules {
		parts[i] = sc.Name() + " (" + sc.Spec() + ")"
	}
	return "\nIts workers fire: " + strings.Join(parts, ", ") + "."
}
