package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
)

type workerJSON struct {
	ID            string         `json:"id"`
	Host          string         `json:"host"`
	PID           int            `json:"pid"`
	Queues        map[string]int `json:"queues"`
	Concurrency   int            `json:"concurrency"`
	InFlight      int            `json:"in_flight"`
	Started       *time.Time     `json:"started"`
	LastHeartbeat *time.Time     `json:"last_heartbeat"`
	Until         *time.Time     `json:"until"`
}

func toWorkerJSON(w jobs.WorkerInfo) workerJSON {
	qs := w.Queues
	if qs == nil {
		qs = map[string]int{}
	}
	return workerJSON{
		ID: w.ID, Host: w.Host, PID: w.PID, Queues: qs, Concurrency: w.Concurrency, InFlight: w.InFlight,
		Started: timePtr(w.Started), LastHeartbeat: timePtr(w.LastHeartbeat), Until: timePtr(w.Until),
	}
}

func (a *app) workersCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "workers",
		Short: "List the workers running on the store, idle ones too",
		Long: a.ex(`workers lists every worker that runs on the store, in any process or
machine, as it last announced itself: its host and process ID, the queues
it takes jobs from with their weights, its concurrency, how many jobs it
holds (running, or claimed and waiting for a slot), when it started and
when it last sent a heartbeat. A worker announces itself when it starts and
at every heartbeat, and withdraws when it stops; one that died drops out of
the list once its announcement lapses (its lease duration, 30s by default).

With --json it prints [{"id", "host", "pid", "queues": {queue: weight},
"concurrency", "in_flight", "started", "last_heartbeat", "until"}]; until
is when the announcement lapses without another heartbeat.`),
		Example: a.ex(`  spindle workers
  spindle workers --json | jq 'map(.in_flight) | add'`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				ws, err := c.Inspect().Workers(ctx)
				if err != nil {
					return a.storeErr("list workers", "", err)
				}
				out := cmd.OutOrStdout()
				if asJSON {
					list := make([]workerJSON, len(ws))
					for i, w := range ws {
						list[i] = toWorkerJSON(w)
					}
					return writeJSON(out, list)
				}
				if len(ws) == 0 {
					fmt.Fprintf(out, "no workers are running on %s\n", jobs.RedactURL(a.store))
					return nil
				}
				now := time.Now()
				t := newTable(out, "WORKER", "HOST", "PID", "QUEUES", "CONCURRENCY", "IN FLIGHT", "HEARTBEAT", "STARTED")
				for _, w := range ws {
					t.row(w.ID, orDash(w.Host), strconv.Itoa(w.PID), orDash(fmtQueues(w.Queues)), strconv.Itoa(w.Concurrency),
						strconv.Itoa(w.InFlight), ago(w.LastHeartbeat, now), ago(w.Started, now))
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}
