package metrics_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/metrics"
)

// Serve queue depth and lifecycle counters from one process.
func Example() {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ping := jobs.Define("ex.ping", func(ctx context.Context, n int) (int, error) { return n, nil }, jobs.Queue("pings"))
	if _, err := ping.Enqueue(ctx, c, 1); err != nil {
		panic(err)
	}

	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewQueueCollector(c.Inspect()))
	obs, err := metrics.NewObserver(reg)
	if err != nil {
		panic(err)
	}
	// Feed the observer from your job lifecycle events:
	obs.Enqueued("pings", "ex.ping")
	obs.Started("pings", "ex.ping")
	obs.Finished("pings", "ex.ping", metrics.Succeeded, 3*time.Millisecond)

	rec := httptest.NewRecorder()
	metrics.HandlerFor(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, l := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(l, `spindle_queue_jobs{queue="pings",state="queued"}`) ||
			strings.HasPrefix(l, "spindle_jobs_processed_total") || strings.HasPrefix(l, "spindle_jobs_in_flight") {
			fmt.Println(l)
		}
	}
	// Output:
	// spindle_jobs_in_flight{name="ex.ping",queue="pings"} 0
	// spindle_jobs_processed_total{name="ex.ping",queue="pings"} 1
	// spindle_queue_jobs{queue="pings",state="queued"} 1
}
