package metrics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/metrics"
)

var ping = jobs.Define("ex.ping", func(ctx context.Context, n int) (int, error) { return n, nil }, jobs.Queue("pings"))

// Serve queue depth and the counters of a worker from one process.
func Example() {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		panic(err)
	}
	defer c.Close()

	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewQueueCollector(c.Inspect()))
	obs, err := metrics.NewObserver(reg)
	if err != nil {
		panic(err)
	}
	stop := metrics.Observe(c, obs) // counts what c and its workers do

	w, _ := jobs.NewWorker(c, jobs.WorkerOptions{Queues: map[string]int{"pings": 1}, Logger: slog.New(slog.DiscardHandler)}, ping)
	wctx, stopWorker := context.WithCancel(ctx)
	ran := make(chan error)
	go func() { ran <- w.Run(wctx) }()
	h, _ := ping.Enqueue(ctx, c, 1)
	_, _ = h.Await(ctx)
	stopWorker()
	<-ran
	stop() // returns once the events so far are counted

	rec := httptest.NewRecorder()
	metrics.HandlerFor(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, l := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(l, `spindle_queue_jobs{queue="pings",state="succeeded"}`) ||
			strings.HasPrefix(l, "spindle_jobs_enqueued_total") ||
			strings.HasPrefix(l, "spindle_jobs_processed_total") || strings.HasPrefix(l, "spindle_jobs_in_flight") {
			fmt.Println(l)
		}
	}
	// Output:
	// spindle_jobs_enqueued_total{name="ex.ping",queue="pings"} 1
	// spindle_jobs_in_flight{name="ex.ping",queue="pings"} 0
	// spindle_jobs_processed_total{name="ex.ping",queue="pings"} 1
	// spindle_queue_jobs{queue="pings",state="succeeded"} 1
}

// A worker process exposes /metrics in two lines: Instrument, and
// ListenAndServe (on loopback here; another address needs a token).
func ExampleInstrument() {
	ctx, cancel := context.WithCancel(context.Background())
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		panic(err)
	}
	defer c.Close()

	reg := metrics.NewRegistry() // nil: the default registry, served by metrics.Handler()
	stopObserving, err := metrics.Instrument(c, reg)
	if err != nil {
		panic(err)
	}
	addr := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- metrics.ListenAndServe(ctx, "127.0.0.1:0", "", metrics.HandlerFor(reg), func(a net.Addr) { addr <- a })
	}()

	_, _ = ping.Enqueue(ctx, c, 1)
	stopObserving()
	res, err := http.Get("http://" + (<-addr).String() + "/metrics")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "spindle_jobs_enqueued_total") {
			fmt.Println(l)
		}
	}
	cancel()
	fmt.Println(<-served)
	// Output:
	// spindle_jobs_enqueued_total{name="ex.ping",queue="pings"} 1
	// <nil>
}
