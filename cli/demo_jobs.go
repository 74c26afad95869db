package cli

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs"
)

// The demo's jobs: what a web application sends to the background. Each
// sleeps for the time its arguments say (so "spindle job ID" shows why it
// took what it took) and fails where its arguments say.

// demoQueue holds the demo's jobs, apart from everything else in the store.
const demoQueue = "spindle-demo"

// demoArgs are the arguments of every demo job but the chain's. Run tags
// the jobs of one demo run, so attempts of jobs left over from an earlier,
// interrupted run are not counted as this run's retries.
type demoArgs struct {
	Run   string `json:"run"`
	Item  int    `json:"item"`
	Ms    int    `json:"ms"`              // how long the work takes
	Fails int    `json:"fails,omitempty"` // attempts that fail before one succeeds
}

// demoRetries counts attempts after the first of the current run's jobs,
// by job name.
var demoRetries struct {
	mu     sync.Mutex
	run    string
	byName map[string]int
}

func resetDemoRetries(run string) {
	demoRetries.mu.Lock()
	demoRetries.run, demoRetries.byName = run, make(map[string]int)
	demoRetries.mu.Unlock()
}

// demoRetryCount sums the retries of the named jobs, or of all with none.
func demoRetryCount(names ...string) int {
	demoRetries.mu.Lock()
	defer demoRetries.mu.Unlock()
	n := 0
	for name, c := range demoRetries.byName {
		if len(names) == 0 || slices.Contains(names, name) {
			n += c
		}
	}
	return n
}

func countDemoRetry(ctx context.Context, run string) int {
	rj, _ := jobs.JobFromContext(ctx)
	if rj.Attempt > 1 {
		demoRetries.mu.Lock()
		if demoRetries.run == run {
			demoRetries.byName[rj.Name]++
		}
		demoRetries.mu.Unlock()
	}
	return rj.Attempt
}

// demoWork sleeps for the job's time, honouring ctx, and counts retries of
// the current run.
func demoWork(ctx context.Context, a demoArgs) (attempt int, err error) {
	attempt = countDemoRetry(ctx, a.Run)
	return attempt, spindle.Sleep(ctx, time.Duration(a.Ms)*time.Millisecond)
}

var (
	demoThumbnail = jobs.Define("demo.thumbnail", func(ctx context.Context, a demoArgs) (string, error) {
		_, err := demoWork(ctx, a)
		return fmt.Sprintf("thumbs/%04d.webp", a.Item), err
	}, jobs.Queue(demoQueue), jobs.Priority(10), jobs.Retention(time.Hour))

	demoReport = jobs.Define("demo.report", func(ctx context.Context, a demoArgs) (string, error) {
		_, err := demoWork(ctx, a)
		return fmt.Sprintf("reports/%04d.pdf (%d pages)", a.Item, 1+a.Ms/40), err
	}, jobs.Queue(demoQueue), jobs.Retention(time.Hour))

	demoWebhook = jobs.Define("demo.webhook", func(ctx context.Context, a demoArgs) (string, error) {
		attempt, err := demoWork(ctx, a)
		if err != nil {
			return "", err
		}
		if attempt <= a.Fails {
			return "", fmt.Errorf("POST https://hooks.example.com/%d: connection reset by peer", a.Item)
		}
		return fmt.Sprintf("delivered to hook %d on attempt %d", a.Item, attempt), nil
	}, jobs.Queue(demoQueue), jobs.Priority(5), jobs.Retries(3), jobs.RetryBackoff(100*time.Millisecond, 400*time.Millisecond), jobs.Retention(time.Hour))

	demoImport = jobs.Define("demo.import", func(ctx context.Context, a demoArgs) (string, error) {
		if _, err := demoWork(ctx, a); err != nil {
			return "", err
		}
		return "", fmt.Errorf("GET https://partner.example.com/feed/%d: 502 Bad Gateway", a.Item)
	}, jobs.Queue(demoQueue), jobs.Retries(2), jobs.RetryBackoff(100*time.Millisecond, 200*time.Millisecond), jobs.Retention(time.Hour))
)

// The chain: an order is fetched, priced, and its receipt sent, each step
// a job enqueued from the awaited result of the one before.
type (
	demoOrder struct {
		Run   string `json:"run"`
		Order int    `json:"order"`
	}
	demoCart struct {
		Order int      `json:"order"`
		Items []string `json:"items"`
	}
	demoPriced struct {
		Order int `json:"order"`
		Cents int `json:"cents"`
	}
)

var demoPrices = map[string]int{"kettle": 2999, "tea, 250g": 850, "mug": 1299}

var (
	demoFetch = jobs.Define("demo.order.fetch", func(ctx context.Context, o demoOrder) (demoCart, error) {
		err := spindle.Sleep(ctx, 30*time.Millisecond)
		return demoCart{Order: o.Order, Items: []string{"kettle", "tea, 250g", "mug"}}, err
	}, jobs.Queue(demoQueue), jobs.Priority(10), jobs.Retention(time.Hour))

	demoPrice = jobs.Define("demo.order.price", func(ctx context.Context, c demoCart) (demoPriced, error) {
		total := 0
		for _, it := range c.Items {
			p, ok := demoPrices[it]
			if !ok {
				return demoPriced{}, jobs.Permanent(fmt.Errorf("no price for %q", it))
			}
			total += p
		}
		return demoPriced{Order: c.Order, Cents: total}, spindle.Sleep(ctx, 20*time.Millisecond)
	}, jobs.Queue(demoQueue), jobs.Priority(10), jobs.Retention(time.Hour))

	demoReceipt = jobs.Define("demo.order.receipt", func(ctx context.Context, p demoPriced) (string, error) {
		err := spindle.Sleep(ctx, 40*time.Millisecond)
		return fmt.Sprintf("receipt for order %d sent: $%d.%02d", p.Order, p.Cents/100, p.Cents%100), err
	}, jobs.Queue(demoQueue), jobs.Priority(10), jobs.Retention(time.Hour))
)

var demoDefinitions = []jobs.Registrable{demoThumbnail, demoReport, demoWebhook, demoImport, demoFetch, demoPrice, demoReceipt}

// demoKind is one kind of job in the batch.
type demoKind struct {
	label string
	def   *jobs.Definition[demoArgs, string]
	args  func(r *rand.Rand, a demoArgs) demoArgs
}

// demoKinds, by position in a cycle of 20 items: 12 fast, 5 slow, 2 flaky,
// 1 broken. The fast ones and the chain are what a user waits for, so they
// have priority over the slow reports, as an application would set it.
var demoKinds = []demoKind{
	{"thumbnail (fast, priority 10)", demoThumbnail, func(r *rand.Rand, a demoArgs) demoArgs { a.Ms = 2 + r.IntN(18); return a }},
	{"report (slow)", demoReport, func(r *rand.Rand, a demoArgs) demoArgs { a.Ms = 150 + r.IntN(450); return a }},
	{"webhook (flaky, priority 5)", demoWebhook, func(r *rand.Rand, a demoArgs) demoArgs {
		a.Ms, a.Fails = 10+r.IntN(40), 1+r.IntN(2)
		return a
	}},
	{"import (broken)", demoImport, func(r *rand.Rand, a demoArgs) demoArgs { a.Ms = 20 + r.IntN(30); return a }},
}

func demoKindOf(i int) int {
	switch p := i % 20; {
	case p < 12:
		return 0
	case p < 17:
		return 1
	case p < 19:
		return 2
	}
	return 3
}

// runChain runs the order chain; lat receives each step's latency.
func runChain(ctx context.Context, c *jobs.Client, run string, lat func(time.Duration)) (string, error) {
	step := func(start time.Time) { lat(time.Since(start)) }
	t := time.Now()
	h1, err := demoFetch.Enqueue(ctx, c, demoOrder{Run: run, Order: 1138})
	if err != nil {
		return "", err
	}
	cart, err := h1.Await(ctx)
	if err != nil {
		return "", fmt.Errorf("fetch: %w", err)
	}
	step(t)
	t = time.Now()
	h2, err := demoPrice.Enqueue(ctx, c, cart)
	if err != nil {
		return "", err
	}
	priced, err := h2.Await(ctx)
	if err != nil {
		return "", fmt.Errorf("price: %w", err)
	}
	step(t)
	t = time.Now()
	h3, err := demoReceipt.Enqueue(ctx, c, priced)
	if err != nil {
		return "", err
	}
	receipt, err := h3.Await(ctx)
	if err != nil {
		return "", fmt.Errorf("receipt: %w", err)
	}
	step(t)
	if receipt == "" {
		return "", errors.New("receipt: empty result")
	}
	return receipt, nil
}
