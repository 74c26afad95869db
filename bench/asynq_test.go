package bench

// Q1's one-producer enqueue against asynq, on one Redis in one run. Each
// round enqueues N no-op tasks one by one with asynq, then N no-op jobs
// one by one with Spindle (the order swaps every round, so neither always
// follows the other's cleanup); the benchmark reports both rates and
// their ratio, medians of the rounds:
//
//	SPINDLE_REDIS_URL=redis://127.0.0.1:6379/13 \
//	go test -run '^$' -bench Asynq -benchtime 1x .
//
// SPINDLE_BENCH_N sets N (default 20,000), SPINDLE_BENCH_ROUNDS the
// rounds (default 3, at least 3). Without SPINDLE_REDIS_URL it skips.

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/spindlehq/spindle/jobs"
	_ "github.com/spindlehq/spindle/jobs/store/redis"
)

const (
	asynqQueue     = "spindle-bench"
	asynqNamespace = "spindle-bench-asynq" // Spindle's side
)

type asynqBenchArgs struct {
	N int `json:"n"`
}

var asynqPeerNoop = jobs.Define("bench.asynq.noop", func(context.Context, asynqBenchArgs) (struct{}, error) {
	return struct{}{}, nil
})

func asynqEnv(name string, def, least int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n >= least {
		return n
	}
	return def
}

func BenchmarkAsynqQ1Enqueue(b *testing.B) {
	url := os.Getenv("SPINDLE_REDIS_URL")
	if url == "" {
		b.Skip("SPINDLE_REDIS_URL not set")
	}
	n := asynqEnv("SPINDLE_BENCH_N", 20000, 1)
	rounds := asynqEnv("SPINDLE_BENCH_ROUNDS", 3, 3)
	ctx := context.Background()

	opt, err := asynq.ParseRedisURI(url)
	if err != nil {
		b.Fatal(err)
	}
	ac := asynq.NewClient(opt)
	defer ac.Close()
	ai := asynq.NewInspector(opt)
	defer ai.Close()
	sc, err := jobs.Open(ctx, asynqStoreURL(url, asynqNamespace))
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()

	asynqRun := func() (float64, error) {
		defer ai.DeleteQueue(asynqQueue, true)
		start := time.Now()
		for i := range n {
			payload := []byte(`{"n":` + strconv.Itoa(i) + `}`)
			if _, err := ac.EnqueueContext(ctx, asynq.NewTask("bench.noop", payload), asynq.Queue(asynqQueue)); err != nil {
				return 0, err
			}
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
	spindleRun := func() (float64, error) {
		defer sc.Inspect().Purge(ctx, "", "")
		start := time.Now()
		for i := range n {
			if _, err := asynqPeerNoop.Enqueue(ctx, sc, asynqBenchArgs{i}); err != nil {
				return 0, err
			}
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
	// Warm both up: connections, script loading, queue registration.
	for _, run := range []func() (float64, error){asynqRun, spindleRun} {
		keep := n
		n = 100
		_, err := run()
		n = keep
		if err != nil {
			b.Fatal(err)
		}
	}

	var aRates, sRates, ratios []float64
	b.ResetTimer()
	for range b.N {
		for r := range rounds {
			runs := []func() (float64, error){asynqRun, spindleRun}
			if r%2 == 1 {
				runs[0], runs[1] = runs[1], runs[0]
			}
			var rate [2]float64
			for k, run := range runs {
				if rate[k], err = run(); err != nil {
					b.Fatal(err)
				}
			}
			if r%2 == 1 {
				rate[0], rate[1] = rate[1], rate[0]
			}
			b.Logf("round %d: asynq %.0f/s, spindle %.0f/s, spindle/asynq %.2f", r+1, rate[0], rate[1], rate[1]/rate[0])
			aRates, sRates, ratios = append(aRates, rate[0]), append(sRates, rate[1]), append(ratios, rate[1]/rate[0])
		}
	}
	b.ReportMetric(asynqMedian(aRates), "asynq_enqueue_per_s")
	b.ReportMetric(asynqMedian(sRates), "spindle_enqueue_per_s")
	b.ReportMetric(asynqMedian(ratios), "spindle/asynq")
	b.ReportMetric(0, "ns/op")
}

// asynqStoreURL adds Spindle's namespace parameter to a Redis URL.
func asynqStoreURL(url, ns string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return fmt.Sprintf("%s%snamespace=%s", url, sep, ns)
}

func asynqMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
