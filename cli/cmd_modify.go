package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
)

func (a *app) retryCmd() *cobra.Command {
	return a.eachIDCmd(eachID{
		use:   "retry ID...",
		short: "Put finished jobs back in their queue with a fresh attempt budget",
		long: `retry puts each finished job back in its queue, ready to run at once, with
a fresh budget of attempts. It works on dead jobs (the usual case),
canceled and expired ones, and succeeded ones (to run them again). The
job keeps its ID and its error history. A job that has not finished
cannot be retried: one waiting for a delay or a backoff is started early
with "run-now", a running one is stopped with "revoke".

Each retried ID is printed on stdout; a failure is printed on stderr and
the command exits 1 after trying the rest. With --json it prints
{"done": [IDs], "failed": [{"id", "error"}]}.`,
		example: `  spindle retry 01JABCDEFGHJKMNPQRSTVWXYZ0
  spindle jobs --state dead --queue images --json | jq -r '.jobs[].id' | xargs spindle retry`,
		verb: "retry",
		done: "retried",
		op:   func(ctx context.Context, in *jobs.Inspector, id string) error { return in.Retry(ctx, id) },
	})
}

func (a *app) runNowCmd() *cobra.Command {
	return a.eachIDCmd(eachID{
		use:   "run-now ID...",
		short: "Start jobs that wait for a delay or a backoff now",
		long: `run-now makes each job that waits for its run time (a delay, an ETA, or the
backoff before a retry) ready at once; idle workers take it as they take
a new job. The job keeps its attempts and its error history. A job that
is queued, running or finished is left alone with an error (use "retry"
for finished ones).

Each started ID is printed on stdout; a failure is printed on stderr and
the command exits 1 after trying the rest. With --json it prints
{"done": [IDs], "failed": [{"id", "error"}]}.`,
		example: `  spindle run-now 01JABCDEFGHJKMNPQRSTVWXYZ0
  spindle jobs --state scheduled --queue mail --json | jq -r '.jobs[].id' | xargs spindle run-now`,
		verb: "run now",
		done: "started",
		op:   func(ctx context.Context, in *jobs.Inspector, id string) error { return in.RunNow(ctx, id) },
	})
}

func (a *app) deleteCmd() *cobra.Command {
	return a.eachIDCmd(eachID{
		use:   "delete ID...",
		short: "Delete jobs that are not running",
		long: `delete removes each job and its result from the store. A job waiting in its
queue will not run; a handle awaiting it reports that it no longer exists.
A running job cannot be deleted.

Each deleted ID is printed on stdout; a failure is printed on stderr and
the command exits 1 after trying the rest. With --json it prints
{"done": [IDs], "failed": [{"id", "error"}]}. To delete many jobs by
state, use "purge".`,
		example: `  spindle delete 01JABCDEFGHJKMNPQRSTVWXYZ0
  spindle delete 01JABCDEFGHJKMNPQRSTVWXYZ0 01JABCDEFGHJKMNPQRSTVWXYZ1`,
		verb: "delete",
		done: "deleted",
		op:   func(ctx context.Context, in *jobs.Inspector, id string) error { return in.Delete(ctx, id) },
	})
}

// eachID describes a command that applies one operation to each job ID.
type eachID struct {
	use, short, long, example string
	verb, done                string
	op                        func(ctx context.Context, in *jobs.Inspector, id string) error
}

// eachIDJSON is what a command over IDs prints with --json.
type eachIDJSON struct {
	Done   []string       `json:"done"`
	Failed []idFailedJSON `json:"failed"`
}

type idFailedJSON struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

func (a *app) eachIDCmd(e eachID) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     e.use,
		Short:   e.short,
		Long:    a.ex(e.long),
		Example: a.ex(e.example),
		Args:    minArgs(1, "at least one job ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, id := range args {
				if err := checkID(id); err != nil {
					return err
				}
			}
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				out := eachIDJSON{Done: []string{}, Failed: []idFailedJSON{}}
				for _, id := range args {
					err := a.storeErr(e.verb, id, e.op(ctx, c.Inspect(), id))
					if err == nil {
						out.Done = append(out.Done, id)
						if !asJSON {
							fmt.Fprintln(cmd.OutOrStdout(), e.done, id)
						}
						continue
					}
					if ctx.Err() != nil {
						return err
					}
					msg := oneLine(jobs.RedactURL(err.Error(), a.store))
					out.Failed = append(out.Failed, idFailedJSON{ID: id, Error: msg})
					if len(args) == 1 && !asJSON {
						return err
					}
					fmt.Fprintln(cmd.ErrOrStderr(), a.name+":", msg)
				}
				if asJSON {
					if err := writeJSON(cmd.OutOrStdout(), out); err != nil {
						return err
					}
				}
				if n := len(out.Failed); n > 0 {
					if len(args) == 1 {
						return silentFailure{}
					}
					return fmt.Errorf("could not %s %d of %d jobs (see above)", e.verb, n, len(args))
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the IDs done and failed as JSON")
	return cmd
}

// pauseJSON is what pause and resume print with --json.
type pauseJSON struct {
	Queue  string `json:"queue"`
	Paused bool   `json:"paused"`
}

func (a *app) pauseCmd(pause bool) *cobra.Command {
	var asJSON, create bool
	cmd := &cobra.Command{
		Use:   "pause QUEUE",
		Short: "Stop workers from taking jobs of a queue",
		Long: a.ex(`pause stops every worker, in every process, from claiming jobs of the queue.
Jobs already running finish; new jobs can still be enqueued and wait.
"resume" undoes it. Pausing a queue the store has never seen (no jobs,
never paused) is refused as a likely typo; --create pauses it anyway, so
that its first jobs wait. With --json it prints {"queue", "paused"}.`),
		Example: a.ex(`  spindle pause images
  spindle pause reports --create
  spindle queues`),
		Args: exactArgs(1, "a queue name"),
	}
	verb, done := "pause", "paused"
	if !pause {
		cmd.Use, cmd.Short = "resume QUEUE", "Let workers take jobs of a paused queue again"
		cmd.Long = a.ex(`resume lets workers claim jobs of a paused queue again. Resuming a queue
that is not paused does nothing. With --json it prints {"queue", "paused"}.`)
		cmd.Example = a.ex(`  spindle resume images`)
		verb, done = "resume", "resumed"
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		q := args[0]
		if err := checkQueue("queue", q); err != nil {
			return err
		}
		return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
			in := c.Inspect()
			if pause && !create {
				known, err := in.Queues(ctx)
				if err != nil {
					return a.storeErr(verb+" queue "+q, "", err)
				}
				if !slices.ContainsFunc(known, func(k jobs.QueueInfo) bool { return k.Name == q }) {
					return usagef("queue %q has no jobs in %s and was never paused (a typo?); pass --create to pause it before its first job", q, jobs.RedactURL(a.store))
				}
			}
			op := in.Pause
			if !pause {
				op = in.Resume
			}
			if err := op(ctx, q); err != nil {
				return a.storeErr(verb+" queue "+q, "", err)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), pauseJSON{Queue: q, Paused: pause})
			}
			fmt.Fprintln(cmd.OutOrStdout(), done, "queue", q)
			return nil
		})
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	if pause {
		cmd.Flags().BoolVar(&create, "create", false, "pause a queue the store has not seen yet")
	}
	cmd.ValidArgsFunction = a.completeQueueArg
	return cmd
}
