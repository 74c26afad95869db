package cli

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/metrics"
)

const metricsTokenEnv = "SPINDLE_METRICS_TOKEN"

// metricsOptions are the worker's --metrics-* flags.
type metricsOptions struct {
	addr, token string
	queues      bool
}

func (m *metricsOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&m.addr, "metrics-addr", "", "serve Prometheus metrics at http://HOST:PORT/metrics (loopback, or any address with a token)")
	f.StringVar(&m.token, "metrics-token", "", "bearer token the metrics require, at least 16 characters (default $"+metricsTokenEnv+")")
	f.BoolVar(&m.queues, "metrics-queues", false, "also serve queue depth, read from the store at each scrape")
}

// check validates the flags before anything is opened.
func (m *metricsOptions) check() error {
	if m.token == "" {
		m.token = os.Getenv(metricsTokenEnv)
	}
	if m.addr == "" {
		if m.queues {
			return usagef("--metrics-queues needs --metrics-addr")
		}
		return nil
	}
	if err := metrics.CheckAddr(m.addr, m.token); err != nil {
		msg := strings.TrimPrefix(err.Error(), "metrics: ")
		msg = strings.Replace(msg, "set one", "set one (--metrics-token or "+metricsTokenEnv+")", 1)
		return Usage(errors.New("--metrics-addr: " + msg))
	}
	return nil
}

// start serves the metrics of c's workers, if asked, until stop.
func (m *metricsOptions) start(ctx context.Context, c *jobs.Client, logger *slog.Logger) (stop func(), err error) {
	if m.addr == "" {
		return func() {}, nil
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if m.queues {
		reg.MustRegister(metrics.NewQueueCollector(c.Inspect()))
	}
	stopObserving, err := metrics.Instrument(c, reg)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- metrics.ListenAndServe(sctx, m.addr, m.token, metrics.HandlerFor(reg), func(a net.Addr) { ready <- a })
	}()
	select {
	case a := <-ready:
		logger.Info("serving metrics", "url", "http://"+a.String()+"/metrics")
	case err := <-served:
		cancel()
		stopObserving()
		return nil, err
	}
	return func() {
		cancel()
		if err := <-served; err != nil {
			logger.Warn("metrics server", "err", err)
		}
		stopObserving()
	}, nil
}
