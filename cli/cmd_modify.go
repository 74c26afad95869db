package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
)

func (a *app) retryCmd() *cobra.Command {
	return a.eachIDCmd(eachID{
		use:   "retry ID...",
		short: "Put finished jobs back in their queue with a fresh attempt budget",
		long: `retry puts each job back in its queue, ready to run at once, with a fresh
budget of attempts. It works on dead jobs (the usual case), canceled and
expired ones, and succeeded ones (to run them again); a job that waits
for a delay or a backoff is made ready now. The job keeps its ID and its
error history. A running job cannot be retried.

Each retried ID is printed on stdout; a failure is printed on stderr and
the command exits 1 after trying the rest.`,
		example: `  spindle retry 01JABCDEFGHJKMNPQRSTVWXYZ0
  spindle jobs --state dead --queue images --json | jq -r '.jobs[].id' | xargs spindle retry`,
		verb: "retry",
		done: "retried",
		op:   func(ctx context.Context, in *jobs.Inspector, id string) error { return in.Retry(ctx, id) },
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
the command exits 1 after trying the rest. To delete many jobs by state,
use "purge".`,
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

func (a *app) eachIDCmd(e eachID) *cobra.Command {
	return &cobra.Command{
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
				failed := 0
				for _, id := range args {
					err := a.storeErr(e.verb, id, e.op(ctx, c.Inspect(), id))
					if err == nil {
						fmt.Fprintln(cmd.OutOrStdout(), e.done, id)
						continue
					}
					if ctx.Err() != nil {
						return err
					}
					if len(args) == 1 {
						return err
					}
					failed++
					fmt.Fprintln(cmd.ErrOrStderr(), a.name+":", oneLine(jobs.RedactURL(err.Error(), a.store)))
				}
				if failed > 0 {
					return fmt.Errorf("could not %s %d of %d jobs (see above)", e.verb, failed, len(args))
				}
				return nil
			})
		},
	}
}

func (a *app) pauseCmd(pause bool) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pause QUEUE",
		Short: "Stop workers from taking jobs of a queue",
		Long: a.ex(`pause stops every worker, in every process, from claiming jobs of the queue.
Jobs already running finish; new jobs can still be enqueued and wait.
"resume" undoes it. A queue can be paused before it has any jobs; it then
shows in "queues" as paused.`),
		Example: a.ex(`  spindle pause images
  spindle queues`),
		Args: exactArgs(1, "a queue name"),
	}
	verb, done := "pause", "paused"
	if !pause {
		cmd.Use, cmd.Short = "resume QUEUE", "Let workers take jobs of a paused queue again"
		cmd.Long = a.ex(`resume lets workers claim jobs of a paused queue again. Resuming a queue
that is not paused does nothing.`)
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
			op := in.Pause
			if !pause {
				op = in.Resume
			}
			if err := op(ctx, q); err != nil {
				return a.storeErr(verb+" queue "+q, "", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), done, "queue", q)
			return nil
		})
	}
	cmd.ValidArgsFunction = a.completeQueueArg
	return cmd
}
