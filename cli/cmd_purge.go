package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

type purgeJSON struct {
	Deleted int    `json:"deleted"`
	Queue   string `json:"queue"`
	State   string `json:"state"`
}

func (a *app) purgeCmd() *cobra.Command {
	var (
		state, queue string
		yes, asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "purge --state STATE [--queue QUEUE]",
		Short: "Delete every job in a state, in one queue or all of them",
		Long: a.ex(`purge deletes every job in the given state, in one queue (--queue) or in all
of them. --state is required; "all" means every state. Running jobs are
never purged: their workers hold leases on them.

It says how many jobs it will delete and asks for confirmation on stdin
(answer y); --yes skips the question, for scripts. Without an answer (stdin
closed) nothing is deleted and the command exits 1.

With --json it prints {"deleted", "queue", "state"} after purging.`),
		Example: a.ex(`  spindle purge --state dead --queue images
  spindle purge --state succeeded --yes
  spindle purge --state all --queue scratch --yes --json`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if state == "" {
				return usagef("purge needs --state: one of %s, or all", strings.Join(stateNames(), ", "))
			}
			st, err := parseState(state, true)
			if err != nil {
				return err
			}
			if st == store.Running {
				return usagef("--state running: running jobs cannot be purged; their workers hold leases on them")
			}
			if queue != "" {
				if err := checkQueue("--queue", queue); err != nil {
					return err
				}
			}
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				in := c.Inspect()
				where := "every queue"
				if queue != "" {
					where = "queue " + queue
				}
				what := "all states but running"
				if st != "" {
					what = string(st)
				}
				if !yes {
					n, err := countMatching(ctx, in, queue, st)
					if err != nil {
						return a.storeErr("count jobs", "", err)
					}
					if n == 0 {
						return a.printPurged(cmd, asJSON, 0, queue, st, what, where)
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "Delete %d job%s (%s) from %s in %s? [y/N] ", n, plural(n), what, where, jobs.RedactURL(a.store))
					ok, err := confirm(cmd)
					if err != nil {
						return err
					}
					if !ok {
						return errors.New("purge cancelled: not confirmed (pass --yes to purge without asking)")
					}
				}
				n, err := in.Purge(ctx, queue, st)
				if err != nil {
					return a.storeErr("purge", "", err)
				}
				return a.printPurged(cmd, asJSON, n, queue, st, what, where)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&state, "state", "", "the state of the jobs to delete: "+strings.Join(stateNames(), ", ")+", or all")
	f.StringVar(&queue, "queue", "", "only this queue (default: every queue)")
	f.BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	a.completeStateFlag(cmd, "state", true)
	a.completeQueueFlag(cmd, "queue")
	return cmd
}

func (a *app) printPurged(cmd *cobra.Command, asJSON bool, n int, queue string, st store.State, what, where string) error {
	if asJSON {
		s := string(st)
		if s == "" {
			s = "all"
		}
		return writeJSON(cmd.OutOrStdout(), purgeJSON{Deleted: n, Queue: queue, State: s})
	}
	if n == 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "nothing to purge: no %s jobs in %s\n", what, where)
		return nil
	}
	fmt.Fprintf(cmd.OutOrStdout(), "deleted %d job%s (%s) from %s\n", n, plural(n), what, where)
	return nil
}

// countMatching counts the purgeable jobs of queue (all when empty) in st
// (all but running when empty).
func countMatching(ctx context.Context, in *jobs.Inspector, queue string, st store.State) (int, error) {
	qs, err := in.Queues(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, q := range qs {
		if queue != "" && q.Name != queue {
			continue
		}
		for s, c := range q.Counts {
			if s != store.Running && (st == "" || s == st) {
				n += c
			}
		}
	}
	return n, nil
}

// confirm reads one answer from stdin: y or yes (any case) is a yes.
func confirm(cmd *cobra.Command) (bool, error) {
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(cmd.ErrOrStderr())
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
