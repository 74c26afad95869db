package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/metrics"
)

// newDashCommand is `spindle dash`: the web dashboard over a store.
func newDashCommand() *cobra.Command {
	var storeURL, addr, token string
	cmd := &cobra.Command{
		Use:   "dash",
		Short: "Serve the web dashboard: queues, jobs, workers, live throughput",
		Long: `dash serves Spindle's dashboard: every queue with its counts per state and a
live throughput and latency chart, jobs by state with filters and search, one
job's arguments, result and attempts, and the actions retry, revoke, delete,
purge and pause/resume (each confirmed). Prometheus metrics are at /metrics.

It listens on 127.0.0.1:8080 by default, which only this machine can reach.
Listening on any other address requires a token (--token or
SPINDLE_DASH_TOKEN, at least 16 characters): the browser asks for it once,
scripts send "Authorization: Bearer TOKEN".`,
		Example: `  spindle dash --store sqlite:spindle.db
  SPINDLE_DASH_TOKEN=$(openssl rand -hex 16) spindle dash --addr 0.0.0.0:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if token == "" {
				token = os.Getenv("SPINDLE_DASH_TOKEN")
			}
			if err := dash.CheckAddr(addr, token); err != nil {
				return usageError{errors.New(strings.TrimPrefix(err.Error(), "dash: "))}
			}
			ctx := cmd.Context()
			c, err := jobs.Open(ctx, storeURL)
			if err != nil {
				return errors.New(strings.ReplaceAll(err.Error(), storeURL, dash.RedactURL(storeURL)))
			}
			defer c.Close()
			reg := metrics.NewRegistry()
			if err := reg.Register(metrics.NewQueueCollector(c.Inspect())); err != nil {
				return err
			}
			h, err := dash.New(c, dash.Options{Token: token, StoreURL: storeURL, Metrics: metrics.HandlerFor(reg)})
			if err != nil {
				return usageError{errors.New(strings.TrimPrefix(err.Error(), "dash: "))}
			}
			return dash.ListenAndServe(ctx, addr, h, func(a net.Addr) {
				fmt.Fprintf(cmd.OutOrStdout(), "Spindle dashboard on http://%s/ (store %s); Ctrl-C to stop\n", a, dash.RedactURL(storeURL))
			})
		},
	}
	def := os.Getenv("SPINDLE_STORE")
	if def == "" {
		def = jobs.DefaultURL
	}
	cmd.Flags().StringVar(&storeURL, "store", def, "store URL (sqlite:PATH, memory:, ...); default $SPINDLE_STORE or "+jobs.DefaultURL)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port to listen on; a non-loopback address needs a token")
	cmd.Flags().StringVar(&token, "token", "", "access token, at least 16 characters (default $SPINDLE_DASH_TOKEN)")
	return cmd
}
