package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

type resultJSON struct {
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	State  store.State     `json:"state"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

func (a *app) resultCmd() *cobra.Command {
	var (
		wait    bool
		timeout time.Duration
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "result ID",
		Short: "Print a job's result, optionally waiting for it",
		Long: a.ex(`result prints the JSON result of a succeeded job on stdout, as the job
returned it. The job stays in the store: reading a result here never
consumes it.

A job that has not finished is an error (exit 1) unless --wait is given:
then the command waits until the job finishes, woken by the store where it
can push and polling with backoff where it cannot, for at most --timeout
(0: no limit). A job that failed (dead, canceled or expired) prints its
last error and exits 1.

With --json it prints {"id", "name", "state", "result", "error"} whatever
the outcome; the exit code still says whether the job succeeded.`),
		Example: a.ex(`  spindle result 01JABCDEFGHJKMNPQRSTVWXYZ0
  spindle result 01JABCDEFGHJKMNPQRSTVWXYZ0 --wait --timeout 30s
  spindle result 01JABCDEFGHJKMNPQRSTVWXYZ0 --json | jq .result`),
		Args: exactArgs(1, "a job ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if err := checkID(id); err != nil {
				return err
			}
			if timeout < 0 {
				return usagef("--timeout %v: want 0 (no limit) or more", timeout)
			}
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				j, err := c.Inspect().Job(ctx, id)
				if err != nil {
					return a.storeErr("read job", id, err)
				}
				if wait && !j.State.Final() {
					if j, err = a.awaitJob(ctx, c, id, timeout); err != nil {
						return err
					}
				}
				return a.printResult(cmd, j, asJSON)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&wait, "wait", false, "wait for the job to finish")
	f.DurationVar(&timeout, "timeout", 0, "with --wait: give up after this long (0: no limit)")
	f.BoolVar(&asJSON, "json", false, "print JSON with the state and error too")
	return cmd
}

// awaitJob waits for job id to be final and returns it as stored.
func (a *app) awaitJob(ctx context.Context, c *jobs.Client, id string, timeout time.Duration) (*jobs.JobInfo, error) {
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		wctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	_, err := jobs.HandleOf[json.RawMessage](c, id).Await(wctx)
	var je *jobs.JobError
	switch {
	case err == nil, errors.As(err, &je):
	case ctx.Err() != nil:
		return nil, fmt.Errorf("waiting for job %s: interrupted", id)
	case wctx.Err() != nil:
		state := "unfinished"
		if j, gerr := c.Inspect().Job(ctx, id); gerr == nil {
			state = string(j.State)
		}
		return nil, fmt.Errorf("job %s is still %s after waiting %v", id, state, timeout)
	case errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("job %s was deleted while waiting for it", id)
	default:
		return nil, a.storeErr("wait for job", id, err)
	}
	j, err := c.Inspect().Job(ctx, id)
	if err != nil {
		return nil, a.storeErr("read job", id, err)
	}
	return j, nil
}

// printResult prints a job's outcome and returns an error unless it
// succeeded.
func (a *app) printResult(cmd *cobra.Command, j *jobs.JobInfo, asJSON bool) error {
	var fail error
	switch {
	case j.State == store.Succeeded:
	case j.State.Final():
		msg := fmt.Sprintf("job %s (%s) is %s after %d attempt%s", j.ID, j.Name, j.State, j.Attempt, plural(j.Attempt))
		if j.LastError != "" {
			msg += ": " + j.LastError
		}
		fail = errors.New(msg)
	default:
		fail = fmt.Errorf("job %s (%s) is %s: no result yet (add --wait to wait for it)", j.ID, j.Name, j.State)
	}
	out := cmd.OutOrStdout()
	if asJSON {
		r := resultJSON{ID: j.ID, Name: j.Name, State: j.State, Result: rawOrNull(j.Result)}
		if j.State != store.Succeeded {
			r.Error = j.LastError // a succeeded job may keep an earlier attempt's error
		}
		if err := writeJSON(out, r); err != nil {
			return err
		}
		return fail
	}
	if fail != nil {
		return fail
	}
	_, err := fmt.Fprintln(out, string(j.Result))
	return err
}
