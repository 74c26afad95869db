package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
)

type pageJSON struct {
	Jobs []jobJSON `json:"jobs"`
	Next string    `json:"next"`
}

func (a *app) jobsCmd() *cobra.Command {
	var (
		state, queue, name, after string
		limit                     int
		all, asJSON               bool
	)
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "List jobs, filtered by state, queue and name, in enqueue order",
		Long: a.ex(`jobs lists jobs in the order they were enqueued (oldest first), one page at a
time. Filters combine: --state, --queue and --name each narrow the list.

A page holds --limit jobs (1 to 1000, default 50). When a page is full,
the command says on stderr how to ask for the next one (--after the last
ID shown); --all follows the pages to the end instead.

With --json it prints {"jobs": [...], "next": ID} where each job has the
fields of "job --json" and next is "" on the last page.`),
		Example: a.ex(`  spindle jobs --state dead
  spindle jobs --queue images --state queued --limit 10
  spindle jobs --name images.resize --all --json | jq -r '.jobs[].id'
  spindle jobs --state dead --json | jq -r '.jobs[].id' | xargs spindle retry`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := parseState(state, false)
			if err != nil {
				return err
			}
			if limit < 1 || limit > 1000 {
				return usagef("--limit %d: want 1 to 1000", limit)
			}
			if queue != "" {
				if err := checkQueue("--queue", queue); err != nil {
					return err
				}
			}
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				opts := jobs.ListOptions{Queue: queue, State: st, Name: name, Limit: limit, After: after}
				var list []*jobs.JobInfo
				for {
					p, err := c.Inspect().Jobs(ctx, opts)
					if err != nil {
						return a.storeErr("list jobs", "", err)
					}
					list = append(list, p.Jobs...)
					opts.After = p.Next
					if !all || p.Next == "" {
						break
					}
				}
				return a.printJobs(cmd, list, opts.After, asJSON)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&state, "state", "", "only jobs in this state: "+strings.Join(stateNames(), ", "))
	f.StringVar(&queue, "queue", "", "only jobs of this queue")
	f.StringVar(&name, "name", "", "only jobs of this definition name")
	f.IntVar(&limit, "limit", 50, "jobs per page, 1 to 1000")
	f.StringVar(&after, "after", "", "start after this job ID (the next page of an earlier listing)")
	f.BoolVar(&all, "all", false, "follow the pages to the end")
	f.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	a.completeStateFlag(cmd, "state", false)
	a.completeQueueFlag(cmd, "queue")
	return cmd
}

func (a *app) printJobs(cmd *cobra.Command, list []*jobs.JobInfo, next string, asJSON bool) error {
	out := cmd.OutOrStdout()
	if asJSON {
		p := pageJSON{Jobs: make([]jobJSON, len(list)), Next: next}
		for i, j := range list {
			p.Jobs[i] = toJobJSON(j)
		}
		return writeJSON(out, p)
	}
	if len(list) == 0 {
		fmt.Fprintln(out, "no jobs match")
		return nil
	}
	now := time.Now()
	t := newTable(out, "ID", "NAME", "QUEUE", "STATE", "ATTEMPT", "ENQUEUED", "LAST ERROR")
	for _, j := range list {
		t.row(j.ID, j.Name, j.Queue, string(j.State), fmt.Sprintf("%d/%d", j.Attempt, j.MaxAttempts), ago(j.EnqueuedAt, now), orDash(clipText(j.LastError, 60)))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if next != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "more jobs may match: add --after %s for the next page, or --all\n", next)
	}
	return nil
}

func (a *app) jobCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "job ID",
		Short: "Show one job: state, attempts, arguments, result and every error",
		Long: a.ex(`job shows everything the store keeps about one job: its state and attempts,
when it was enqueued, started and finished, the worker holding its lease
while it runs, its JSON arguments and result, and the error of every failed
attempt.

With --json it prints one object with the fields id, name, queue, state,
priority, attempt, max_attempts, args, result, last_error, errors
([{"attempt", "at", "error"}]), enqueued_at, run_at, started_at,
finished_at, worker, retain_until and unique_key. Times
are RFC 3339 in UTC, or null.`),
		Example: a.ex(`  spindle job 01JABCDEFGHJKMNPQRSTVWXYZ0
  spindle job 01JABCDEFGHJKMNPQRSTVWXYZ0 --json | jq .errors`),
		Args: exactArgs(1, "a job ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if err := checkID(id); err != nil {
				return err
			}
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				j, err := c.Inspect().Job(ctx, id)
				if err != nil {
					return a.storeErr("read job", id, err)
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), toJobJSON(j))
				}
				return printJob(cmd.OutOrStdout(), j)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	return cmd
}

func printJob(w io.Writer, j *jobs.JobInfo) error {
	now := time.Now()
	at := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339Nano) + " (" + ago(t, now) + ")"
	}
	t := newTable(w, "ID", j.ID)
	t.row("Name", j.Name)
	t.row("Queue", j.Queue)
	t.row("State", string(j.State))
	if j.WaitingFor != "" {
		t.row("Waiting for", j.WaitingFor)
	}
	t.row("Attempts", fmt.Sprintf("%d of %d", j.Attempt, j.MaxAttempts))
	t.row("Priority", strconv.Itoa(j.Priority))
	t.row("Enqueued", at(j.EnqueuedAt))
	t.row("Run at", at(j.RunAt))
	t.row("Started", at(j.StartedAt))
	t.row("Finished", at(j.FinishedAt))
	if j.Worker != "" {
		t.row("Worker", j.Worker)
	}
	if !j.RetainUntil.IsZero() {
		t.row("Kept until", at(j.RetainUntil))
	}
	if j.UniqueKey != "" {
		t.row("Unique key", j.UniqueKey)
	}
	t.row("Args", orDash(string(j.Args)))
	t.row("Result", orDash(string(j.Result)))
	t.row("Last error", orDash(clipText(j.LastError, 200)))
	if err := t.flush(); err != nil {
		return err
	}
	if len(j.Errors) > 0 {
		fmt.Fprintln(w, "Errors:")
		et := newTable(w, "  ATTEMPT", "AT", "ERROR")
		for _, e := range j.Errors {
			et.row("  "+strconv.Itoa(e.Attempt), e.At.UTC().Format(time.RFC3339Nano), clipText(e.Error, 200))
		}
		return et.flush()
	}
	return nil
}
