package cli

import (
	"bytes"
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

// TestWorkerServesMetrics: the worker command with --metrics-addr counts
// the jobs it runs and serves them, with queue depth when asked.
func TestWorkerServesMetrics(t *testing.T) {
	url := tempStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const token = "0123456789abcdef-cli-metrics"
	root := NewCommand(Config{Name: "spindle", Definitions: testDefs})
	var out bytes.Buffer
	var errOut syncBuffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	done := make(chan int, 1)
	go func() {
		done <- Execute(ctx, root, []string{"worker", "--store", url, "--metrics-addr", "127.0.0.1:0", "--metrics-queues", "--metrics-token", token})
	}()
	var endpoint string
	for range 500 {
		if m := metricsURL.FindStringSubmatch(errOut.String()); m != nil {
			endpoint = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("worker exited %d:\n%s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if endpoint == "" {
		t.Fatalf("the worker does not say where its metrics are:\n%s", errOut.String())
	}
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
	http.DefaultClient.CloseIdleConnections()
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("worker exit %d:\n%s", code, errOut.String())
	}
	// The server is gone with the worker.
	if _, err := net.DialTimeout("tcp", strings.TrimSuffix(strings.TrimPrefix(endpoint, "http://"), "/metrics"), time.Second); err == nil {
		t.Errorf("metrics still served after the worker stopped")
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
