package cli

import (
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var metricsURL = regexp.MustCompile(`url=(http://\S+/metrics)`)

func scrape(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// metricsWorker is a worker command serving metrics, running until stop.
type metricsWorker struct {
	endpoint string // http://HOST:PORT/metrics
	errOut   *syncBuffer
	cancel   context.CancelFunc
	done     chan int
	exited   bool // done has been read
}

// startMetricsWorker runs the worker command on url's store with
// --metrics-addr 127.0.0.1:0 and extra flags, and waits until it says
// where its metrics are.
func startMetricsWorker(t *testing.T, url string, extra ...string) *metricsWorker {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	root := NewCommand(Config{Name: "spindle", Definitions: testDefs})
	w := &metricsWorker{errOut: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	root.SetOut(io.Discard)
	root.SetErr(w.errOut)
	args := append([]string{"worker", "--store", url, "--metrics-addr", "127.0.0.1:0"}, extra...)
	go func() { w.done <- Execute(ctx, root, args) }()
	t.Cleanup(func() { // a test that fails half-way leaves no worker behind
		w.cancel()
		if !w.exited {
			<-w.done
		}
	})
	for range 500 {
		if m := metricsURL.FindStringSubmatch(w.errOut.String()); m != nil {
			w.endpoint = m[1]
			return w
		}
		select {
		case code := <-w.done:
			w.exited = true
			t.Fatalf("worker exited %d:\n%s", code, w.errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("the worker does not say where its metrics are:\n%s", w.errOut.String())
	return nil
}

// stop ends the worker and checks that it exits 0.
func (w *metricsWorker) stop(t *testing.T) {
	t.Helper()
	http.DefaultClient.CloseIdleConnections()
	w.cancel()
	w.exited = true
	if code := <-w.done; code != ExitOK {
		t.Errorf("worker exit %d:\n%s", code, w.errOut.String())
	}
}

// TestWorkerServesMetrics: the worker command with --metrics-addr counts
// the jobs it runs and serves them, with queue depth when asked.
func TestWorkerServesMetrics(t *testing.T) {
	url := tempStore(t)
	const token = "0123456789abcdef-cli-metrics"
	w := startMetricsWorker(t, url, "--metrics-queues", "--metrics-token", token)
	endpoint := w.endpoint
	wantOK(t, execute(t, "", "enqueue", "test.double", "21", "--wait", "--timeout", "1m", "--store", url))
	wantFail(t, afterEnqueued(t, execute(t, "", "enqueue", "test.greet", `{"name":""}`, "--wait", "--store", url)), ExitFailed, "nobody to greet")

	if code, _ := scrape(t, endpoint, ""); code != http.StatusUnauthorized {
		t.Errorf("scrape without the token: %d", code)
	}
	// The worker counts from its events, delivered just after the
	// outcome is stored: scrape until they are in.
	var body string
	for range 500 {
		var code int
		code, body = scrape(t, endpoint, token)
		if code != 200 {
			t.Fatalf("scrape: %d %s", code, body)
		}
		if strings.Contains(body, `spindle_jobs_dead_lettered_total{name="test.greet",queue="greetings"} 1`) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{
		`spindle_jobs_processed_total{name="test.double",queue="default"} 1`,
		`spindle_jobs_processed_total{name="test.greet",queue="greetings"} 1`,
		`spindle_jobs_failed_total{name="test.greet",queue="greetings"} 1`,
		`spindle_jobs_dead_lettered_total{name="test.greet",queue="greetings"} 1`,
		`spindle_jobs_in_flight{name="test.double",queue="default"} 0`,
		`spindle_job_duration_seconds_count{name="test.double",outcome="succeeded",queue="default"} 1`,
		`spindle_queue_jobs{queue="greetings",state="dead"} 1`,
		"go_goroutines ", "process_",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	w.stop(t)
	// The server is gone with the worker.
	if _, err := net.DialTimeout("tcp", strings.TrimSuffix(strings.TrimPrefix(endpoint, "http://"), "/metrics"), time.Second); err == nil {
		t.Errorf("metrics still served after the worker stopped")
	}
}

// TestWorkerMetricsRefuseOtherHosts: without a token, the worker's
// metrics are not for a web page whose name DNS rebinds to 127.0.0.1.
func TestWorkerMetricsRefuseOtherHosts(t *testing.T) {
	t.Setenv(metricsTokenEnv, "")
	w := startMetricsWorker(t, tempStore(t))
	defer w.stop(t)
	for host, want := range map[string]int{"evil.example": 421, "localhost": 200, "127.0.0.1": 200} {
		req, _ := http.NewRequest("GET", w.endpoint, nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want || want == 421 && (strings.Contains(string(b), "go_goroutines") || !strings.Contains(string(b), "--metrics-token")) {
			t.Errorf("Host %s: %s, want %d:\n%.300s", host, res.Status, want, b)
		}
	}
}

func TestWorkerMetricsBadInput(t *testing.T) {
	url := tempStore(t)
	t.Setenv(metricsTokenEnv, "")
	for _, tc := range []struct {
		args     []string
		mentions []string
	}{
		{[]string{"--metrics-addr", "0.0.0.0:9090"}, []string{"--metrics-addr", "refusing", "without a token", "--metrics-token or SPINDLE_METRICS_TOKEN"}},
		{[]string{"--metrics-addr", ":9090"}, []string{"every interface"}},
		{[]string{"--metrics-addr", "9090"}, []string{"want host:port"}},
		{[]string{"--metrics-addr", "127.0.0.1:9090", "--metrics-token", "short"}, []string{"at least 16"}},
		{[]string{"--metrics-queues"}, []string{"--metrics-queues needs --metrics-addr"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			wantFail(t, execute(t, "", append([]string{"worker", "--store", url}, tc.args...)...), ExitUsage, tc.mentions...)
		})
	}
	// A token from the environment allows another address (checked, not bound).
	t.Setenv(metricsTokenEnv, "short")
	wantFail(t, execute(t, "", "worker", "--store", url, "--metrics-addr", "127.0.0.1:9090"), ExitUsage, "at least 16")

	// An address in use fails the command before the worker starts.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Setenv(metricsTokenEnv, "")
	r := execute(t, "", "worker", "--store", url, "--metrics-addr", ln.Addr().String())
	wantFail(t, r, ExitFailed, "listen on "+ln.Addr().String())
}
