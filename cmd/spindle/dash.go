package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/cli"
	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/metrics"
)

// newDashCommand is `spindle dash`: the web dashboard over a store. The
// store comes from the root's --store flag (or SPINDLE_STORE) when the
// root has one, as the spindle command's does.
func newDashCommand() *cobra.Command {
	var (
		addr, token string
		sf          serveFlags
	)
	cmd := &cobra.Command{
		Use:   "dash",
		Short: "Serve the web dashboard: queues, jobs, schedules, workers, live throughput",
		Long: `dash serves Spindle's dashboard: every queue with its counts per state and
live throughput and run-time charts, jobs newest first with filters and
search, one job's arguments, result, attempts and workflow, and the actions
retry, retry all, revoke, delete, purge and pause/resume (each confirmed),
the schedules the workers fire, and the workers running on the store.
Prometheus metrics are at /metrics: queue depth read from the store at each
scrape, and the Go runtime's and the process's metrics.

It listens on 127.0.0.1:8080 by default, which only this machine can reach.
Listening on any other address requires a token (--token or
SPINDLE_DASH_TOKEN, at least 16 characters): the browser asks for it once,
scripts send "Authorization: Bearer TOKEN".

Without a token it answers only requests addressed to a loopback name
(localhost, *.localhost, 127.0.0.0/8, [::1]) or to an --allowed-host, and
others with 421: a web page whose name its DNS rebinds to 127.0.0.1 must not
drive the dashboard. With a token any name is served, unless --allowed-host
lists the names. --tls-cert and --tls-key serve HTTPS; behind a proxy that
terminates TLS, --trust-forwarded-proto marks the session cookie Secure.`,
		Example: `  spindle dash --store sqlite:spindle.db
  spindle dash --allowed-host dash.localdomain
  SPINDLE_DASH_TOKEN=$(openssl rand -hex 16) spindle dash --addr 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if token == "" {
				token = os.Getenv("SPINDLE_DASH_TOKEN")
			}
			if err := dash.CheckAddr(addr, token); err != nil {
				return cli.Usage(errors.New(strings.TrimPrefix(err.Error(), "dash: ")))
			}
			tlsConfig, err := sf.check()
			if err != nil {
				return err
			}
			storeURL, err := cmd.Flags().GetString("store")
			if err != nil || storeURL == "" {
				storeURL = os.Getenv("SPINDLE_STORE")
			}
			if storeURL == "" {
				storeURL = jobs.DefaultURL
			}
			ctx := cmd.Context()
			c, err := jobs.Open(ctx, storeURL)
			if err != nil {
				return errors.New(jobs.RedactURL(err.Error(), storeURL))
			}
			defer c.Close()
			// Queue depth from the store, and this process's own events
			// (the revokes made from the page) like a worker's.
			reg := metrics.NewRegistry()
			reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
				metrics.NewQueueCollector(c.Inspect()))
			stopObserving, err := metrics.Instrument(c, reg)
			if err != nil {
				return err
			}
			defer stopObserving()
			h, err := dash.New(c, dash.Options{
				Token: token, StoreURL: storeURL, Metrics: metrics.HandlerFor(reg),
				AllowedHosts: sf.allowedHosts, TrustForwardedProto: sf.trustProto,
			})
			if err != nil {
				return cli.Usage(errors.New(strings.TrimPrefix(err.Error(), "dash: ")))
			}
			ready := func(scheme string) func(net.Addr) {
				return func(a net.Addr) {
					fmt.Fprintln(cmd.OutOrStdout(), startLine(scheme, a, jobs.RedactURL(storeURL)))
				}
			}
			if tlsConfig != nil {
				return dash.ListenAndServeTLS(ctx, addr, tlsConfig, h, ready("https"))
			}
			return dash.ListenAndServe(ctx, addr, h, ready("http"))
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port to listen on; a non-loopback address needs a token")
	cmd.Flags().StringVar(&token, "token", "", "access token, at least 16 characters (default $SPINDLE_DASH_TOKEN)")
	sf.register(cmd)
	return cmd
}

// startLine is the line `spindle dash` prints once it listens: a URL a
// browser on this machine opens, and, when it listens on every interface
// (where a URL of 0.0.0.0 or [::] would not open), that it does and the
// URL by this host's name for other machines.
func startLine(scheme string, a net.Addr, store string) string {
	url, every := dash.BrowserURL(scheme, a)
	if !every {
		return fmt.Sprintf("Spindle dashboard on %s (store %s); Ctrl-C to stop", url, store)
	}
	also := ""
	if host, err := os.Hostname(); err == nil && host != "" {
		_, port, _ := net.SplitHostPort(a.String())
		also = fmt.Sprintf(", so also %s://%s/", scheme, net.JoinHostPort(host, port))
	}
	return fmt.Sprintf("Spindle dashboard on %s (listening on all interfaces%s; store %s); Ctrl-C to stop", url, also, store)
}
