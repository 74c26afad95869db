package bench

// Q1's one-producer enqueue against asynq, on one Redis in one run. Each
// round enqueues N no-op tasks one by one with asynq and N no-op jobs one
// by one with Spindle, in turns of SPINDLE_BENCH_SLICE (default 500) per
// side, so that both meet the same load; the benchmark reports both rates
// and their ratio, medians of the rounds:
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

// benchEnv reads the whole number in the environment variable name, or
// def when it is unset, malformed or under least.
func benchEnv(name string, def, least int) int {
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
	n := benchEnv("SPINDLE_BENCH_N", 20000, 1)
	rounds := benchEnv("SPINDLE_BENCH_ROUNDS", 3, 3)
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

	// Each side enqueues its N in slices of slice jobs, the sides taking
	// turns slice by slice, so that both meet the same load on a busy
	// machine; a side's rate is N over the sum of its slices' times.
	slice := min(benchEnv("SPINDLE_BENCH_SLICE", 500, 1), n)
	next := 0 // the payload counter, so that no two tasks are equal
	asynqSlice := func(k int) (time.Duration, error) {
		start := time.Now()
		for range k {
			next++
			payload := []byte(`{"n":` + strconv.Itoa(next) + `}`)
			if _, err := ac.EnqueueContext(ctx, asynq.NewTask("bench.noop", payload), asynq.Queue(asynqQueue)); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
	spindleSlice := func(k int) (time.Duration, error) {
		start := time.Now()
		for range k {
			next++
			if _, err := asynqPeerNoop.Enqueue(ctx, sc, asynqBenchArgs{next}); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
	cleanup := func() {
		ai.DeleteQueue(asynqQueue, true)
		sc.Inspect().Purge(ctx, "", "")
	}
	defer cleanup()
	// Warm both up: connections, script loading, queue registration.
	if _, err := asynqSlice(100); err != nil {
		b.Fatal(err)
	}
	if _, err := spindleSlice(100); err != nil {
		b.Fatal(err)
	}
	cleanup()

	var aRates, sRates, ratios []float64
	b.ResetTimer()
	for range b.N {
		for r := range rounds {
			var took [2]time.Duration
			for done := 0; done < n; done += slice {
				k := min(slice, n-done)
				sides := []func(int) (time.Duration, error){asynqSlice, spindleSlice}
				first := (done / slice) % 2 // who goes first swaps every slice
				for o := range 2 {
					side := (first + o) % 2
					d, err := sides[side](k)
					if err != nil {
						b.Fatal(err)
					}
					took[side] += d
				}
			}
			cleanup()
			a, s := float64(n)/took[0].Seconds(), float64(n)/took[1].Seconds()
			b.Logf("round %d: asynq %.0f/s, spindle %.0f/s, spindle/asynq %.2f", r+1, a, s, s/a)
			aRates, sRates, ratios = append(aRates, a), append(sRates, s), append(ratios, s/a)
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
