package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

type queueJSON struct {
	Name   string         `json:"name"`
	Paused bool           `json:"paused"`
	Counts map[string]int `json:"counts"`
	Total  int            `json:"total"`
}

func (a *app) queuesCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "queues",
		Short: "List queues with their job counts per state",
		Long: a.ex(`queues lists every queue of the store that holds jobs or is paused, with
how many jobs it holds in each state:

  scheduled  waiting for a delay, an ETA or a retry's backoff
  queued     ready; a worker takes it next
  running    claimed by a worker, which holds a lease on it
  succeeded  finished; its result is kept until read or pruned
  dead       failed its last attempt; kept for "retry" or "delete"
  canceled   revoked before it finished
  expired    not started before its deadline

With --json it prints an array of {"name", "paused", "counts", "total"},
counts holding every state.`),
		Example: a.ex(`  spindle queues
  spindle queues --store sqlite:/var/lib/app/jobs.db
  spindle queues --json | jq '.[] | select(.counts.dead > 0) | .name'`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				qs, err := c.Inspect().Queues(ctx)
				if err != nil {
					return a.storeErr("list queues", "", err)
				}
				out := cmd.OutOrStdout()
				if asJSON {
					list := make([]queueJSON, len(qs))
					for i, q := range qs {
						counts, total := countsJSON(q.Counts)
						list[i] = queueJSON{Name: q.Name, Paused: q.Paused, Counts: counts, Total: total}
					}
					return writeJSON(out, list)
				}
				if len(qs) == 0 {
					fmt.Fprintf(out, "no queues in %s\n", jobs.RedactURL(a.store))
					return nil
				}
				header := append([]string{"QUEUE", "PAUSED"}, upper(stateNames())...)
				t := newTable(out, append(header, "TOTAL")...)
				for _, q := range qs {
					paused := "-"
					if q.Paused {
						paused = "paused"
					}
					row := []string{q.Name, paused}
					total := 0
					for _, s := range store.States {
						row = append(row, strconv.Itoa(q.Counts[s]))
						total += q.Counts[s]
					}
					t.row(append(row, strconv.Itoa(total))...)
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

type statsJSON struct {
	Store                  string         `json:"store"`
	Queues                 int            `json:"queues"`
	Total                  int            `json:"total"`
	Counts                 map[string]int `json:"counts"`
	OldestQueuedAt         *time.Time     `json:"oldest_queued_at"`
	OldestQueuedAgeSeconds *float64       `json:"oldest_queued_age_seconds"`
}

func (a *app) statsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Summarize the whole store: jobs per state, queues, the oldest waiting job",
		Long: a.ex(`stats prints how many jobs the store holds in each state, how many queues it
has, and how long the oldest queued job has been waiting: a queue nobody
works shows up as an old "oldest queued" age.

With --json it prints {"store", "queues", "total", "counts",
"oldest_queued_at", "oldest_queued_age_seconds"}; the last two are null when
nothing is queued.`),
		Example: a.ex(`  spindle stats
  spindle stats --json | jq .counts.dead`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(cmd, func(ctx context.Context, c *jobs.Client) error {
				st, err := c.Inspect().Stats(ctx)
				if err != nil {
					return a.storeErr("read stats", "", err)
				}
				now := time.Now()
				counts, total := countsJSON(st.Counts)
				out := cmd.OutOrStdout()
				if asJSON {
					s := statsJSON{Store: jobs.RedactURL(a.store), Queues: st.Queues, Total: total, Counts: counts, OldestQueuedAt: timePtr(st.Oldest)}
					if !st.Oldest.IsZero() {
						age := now.Sub(st.Oldest).Seconds()
						s.OldestQueuedAgeSeconds = &age
					}
					return writeJSON(out, s)
				}
				t := newTable(out, "store", jobs.RedactURL(a.store))
				t.row("queues", strconv.Itoa(st.Queues))
				t.row("jobs", strconv.Itoa(total))
				for _, s := range store.States {
					t.row("  "+string(s), strconv.Itoa(st.Counts[s]))
				}
				oldest := "none queued"
				if !st.Oldest.IsZero() {
					oldest = fmt.Sprintf("enqueued %s (%s)", ago(st.Oldest, now), st.Oldest.UTC().Format(time.RFC3339))
				}
				t.row("oldest queued", oldest)
				return t.flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}
