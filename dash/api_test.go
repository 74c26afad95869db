package dash_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

func getJSON(t *testing.T, e *env, path string, v any) int {
	t.Helper()
	res, body := do(t, browser(t), "GET", e.srv.URL+path, nil, nil)
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, body)
		}
	}
	return res.StatusCode
}

func TestJobDetailIsClippedText(t *testing.T) {
	e := newEnv(t, dash.Options{})
	huge := `{"s":"` + strings.Repeat("A", 1<<20) + `"}`
	put(t, e.s, "01J00000000000000000000001", "q", []byte(huge), store.Dead, "bad \xff byte <b>bold</b>")
	var d struct {
		Args struct {
			Text      string
			Size      int
			Truncated bool
		}
		LastError struct{ Text string }
		Attempts  []struct {
			Attempt int
			Error   struct{ Text string }
		}
		Relatives []any
	}
	if code := getJSON(t, e, "/api/jobs/01J00000000000000000000001", &d); code != 200 {
		t.Fatalf("status %d", code)
	}
	if !d.Args.Truncated || d.Args.Size != len(huge) || len(d.Args.Text) > 17<<10 {
		t.Errorf("args: truncated=%v size=%d shown=%d", d.Args.Truncated, d.Args.Size, len(d.Args.Text))
	}
	if d.LastError.Text != `bad \xff byte <b>bold</b>` {
		t.Errorf("last error %q", d.LastError.Text)
	}
	if len(d.Attempts) != 1 || d.Attempts[0].Attempt != 1 {
		t.Errorf("attempts %+v", d.Attempts)
	}
	if d.Relatives == nil || len(d.Relatives) != 0 {
		t.Errorf("relatives without metadata: %v, want []", d.Relatives)
	}
	var page struct {
		Jobs []struct{ Args struct{ Text string } }
	}
	if code := getJSON(t, e, "/api/jobs?state=dead", &page); code != 200 || len(page.Jobs) != 1 || len(page.Jobs[0].Args.Text) > 200 {
		t.Fatalf("list: %d %+v", code, page)
	}
	if code := getJSON(t, e, "/api/jobs/NOPE", &d); code != http.StatusNotFound {
		t.Errorf("unknown job: %d, want 404", code)
	}
	for _, q := range []string{"state=bogus", "limit=0", "limit=x", "limit=501"} {
		if code := getJSON(t, e, "/api/jobs?"+q, &page); code != http.StatusBadRequest {
			t.Errorf("?%s: %d, want 400", q, code)
		}
	}
}

func TestActions(t *testing.T) {
	e := newEnv(t, dash.Options{})
	put(t, e.s, "01J00000000000000000000001", "q", []byte(`{}`), store.Dead, "boom")
	put(t, e.s, "01J00000000000000000000002", "q", []byte(`{}`), store.Running, "")
	put(t, e.s, "01J00000000000000000000003", "q", []byte(`{}`), store.Dead, "boom")
	put(t, e.s, "01J00000000000000000000004", "q", []byte(`{}`), store.Scheduled, "")
	b := browser(t)
	csrf := e.openPage(t, b)
	post := func(path string, form url.Values) (int, string) {
		res, body := do(t, b, "POST", e.srv.URL+path, form, map[string]string{"X-CSRF-Token": csrf})
		return res.StatusCode, body
	}
	for _, c := range []struct {
		path string
		form url.Values
		want int
	}{
		{"/api/jobs/01J00000000000000000000001/run-now", nil, http.StatusConflict},
		{"/api/jobs/01J00000000000000000000004/run-now", nil, 200},
		{"/api/jobs/01J00000000000000000000009/run-now", nil, http.StatusNotFound},
		{"/api/jobs/01J00000000000000000000001/retry", nil, 200},
		{"/api/jobs/01J00000000000000000000002/delete", nil, http.StatusConflict},
		{"/api/jobs/01J00000000000000000000009/retry", nil, http.StatusNotFound},
		{"/api/jobs/01J00000000000000000000001/revoke", nil, 200},
		{"/api/jobs/01J00000000000000000000009/revoke", nil, http.StatusNotFound},
		{"/api/queues/q/pause", nil, 200},
		{"/api/purge", url.Values{"state": {"running"}}, http.StatusBadRequest},
		{"/api/purge", url.Values{}, http.StatusBadRequest},
		{"/api/purge", url.Values{"state": {"dead"}, "queue": {"q"}}, 200},
	} {
		if c.form == nil {
			c.form = url.Values{}
		}
		code, body := post(c.path, c.form)
		if code != c.want {
			t.Errorf("POST %s %v: %d, want %d\n%s", c.path, c.form, code, c.want, body)
		}
	}
	var o struct {
		Queues []struct {
			Name   string
			Paused bool
			Counts map[string]int
		}
	}
	if getJSON(t, e, "/api/overview", &o) != 200 || len(o.Queues) != 1 {
		t.Fatalf("overview %+v", o)
	}
	q := o.Queues[0]
	// The scheduled job was made ready by run-now; the retried one was
	// revoked.
	if !q.Paused || q.Counts["queued"] != 1 || q.Counts["scheduled"] != 0 || q.Counts["canceled"] != 1 || q.Counts["running"] != 1 || q.Counts["dead"] != 0 {
		t.Errorf("after run-now, retry, revoke, pause and purge: %+v", q)
	}
	if code, body := post("/api/queues/q/resume", url.Values{}); code != 200 || !strings.Contains(body, "Resumed") {
		t.Errorf("resume: %d %s", code, body)
	}
}

type workersJSON struct {
	Workers []struct {
		ID     string
		Host   string
		PID    int
		Queues []struct {
			Name   string
			Weight int
		}
		Concurrency int
		Held        int
		Running     int
		Heartbeat   *time.Time
		Started     *time.Time
	}
}

// TestWorkers lists a real worker, idle, from its announcement, and
// drops it when it stops.
func TestWorkers(t *testing.T) {
	e := newEnv(t, dash.Options{})
	var p workersJSON
	if getJSON(t, e, "/api/workers", &p) != 200 || p.Workers == nil || len(p.Workers) != 0 {
		t.Fatalf("workers before any: %+v", p)
	}
	d := jobs.Define("t.idle", func(ctx context.Context, n int) (int, error) { return n, nil })
	w, err := jobs.NewWorker(e.c, jobs.WorkerOptions{ID: "w-idle", Concurrency: 3, Queues: map[string]int{"b": 1, "a": 2}, Logger: slog.New(slog.DiscardHandler)}, d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	for range 500 { // it announces itself as Run starts
		if getJSON(t, e, "/api/workers", &p); len(p.Workers) == 1 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(p.Workers) != 1 {
		t.Fatalf("workers: %+v", p)
	}
	got := p.Workers[0]
	if got.ID != "w-idle" || got.Concurrency != 3 || got.Held != 0 || got.Running != 0 || got.PID == 0 || got.Host == "" || got.Heartbeat == nil || got.Started == nil ||
		len(got.Queues) != 2 || got.Queues[0].Name != "a" || got.Queues[0].Weight != 2 || got.Queues[1].Name != "b" {
		t.Errorf("idle worker: %+v", got)
	}
	if getJSON(t, e, "/api/workers", &p) != 200 || len(p.Workers) != 0 {
		t.Errorf("a stopped worker is listed: %+v", p)
	}
}

func TestRevocations(t *testing.T) {
	e := newEnv(t, dash.Options{})
	b := browser(t)
	csrf := e.openPage(t, b)
	post := func(path string, form url.Values) (int, string) {
		res, body := do(t, b, "POST", e.srv.URL+path, form, map[string]string{"X-CSRF-Token": csrf})
		return res.StatusCode, body
	}
	var p struct {
		Revocations []struct {
			Name   string
			Reason struct{ Text string }
			Once   bool
			Until  *time.Time
		}
	}
	if getJSON(t, e, "/api/revocations", &p) != 200 || p.Revocations == nil || len(p.Revocations) != 0 {
		t.Fatalf("revocations before any: %+v", p)
	}
	for _, c := range []struct {
		path string
		form url.Values
		want int
	}{
		{"/api/revocations", url.Values{"name": {"images/resize"}}, 200},
		{"/api/revocations", url.Values{"name": {"mail.send"}, "reason": {"<b>smtp down</b>"}}, 200},
		{"/api/revocations", url.Values{"name": {"bad name"}}, http.StatusBadRequest},
		{"/api/revocations", url.Values{}, http.StatusBadRequest},
		{"/api/revocations/restore", url.Values{"name": {"images/resize"}}, 200},
		{"/api/revocations/restore", url.Values{"name": {"images/resize"}}, http.StatusNotFound},
		{"/api/revocations/restore", url.Values{"name": {"-x"}}, http.StatusBadRequest},
	} {
		if code, body := post(c.path, c.form); code != c.want {
			t.Errorf("POST %s %v: %d, want %d\n%s", c.path, c.form, code, c.want, body)
		}
	}
	if getJSON(t, e, "/api/revocations", &p) != 200 || len(p.Revocations) != 1 || p.Revocations[0].Name != "mail.send" ||
		p.Revocations[0].Reason.Text != "<b>smtp down</b>" || p.Revocations[0].Until != nil || p.Revocations[0].Once {
		t.Errorf("revocations: %+v", p)
	}
	// Without the CSRF token: refused.
	if res, _ := do(t, b, "POST", e.srv.URL+"/api/revocations", url.Values{"name": {"x.y"}}, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("revoke all without the CSRF token: %s", res.Status)
	}
}

func TestEventStream(t *testing.T) {
	e := newEnv(t, dash.Options{})
	put(t, e.s, "01J00000000000000000000001", "q<x>", []byte(`{}`), store.Queued, "")
	res, err := http.Get(e.srv.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := bufio.NewReader(res.Body)
	var events []string
	var sample struct {
		Queues []struct {
			Name   string
			Counts map[string]int
		}
	}
	for len(events) < 3 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %v: %v", events, err)
		}
		if ev, ok := strings.CutPrefix(line, "event: "); ok {
			events = append(events, strings.TrimSpace(ev))
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok && events[len(events)-1] == "sample" {
			if err := json.Unmarshal([]byte(data), &sample); err != nil {
				t.Fatal(err)
			}
		}
	}
	if events[0] != "history" || events[1] != "sample" {
		t.Fatalf("events %v: want history, then samples", events)
	}
	if len(sample.Queues) != 1 || sample.Queues[0].Name != "q<x>" || sample.Queues[0].Counts["queued"] != 1 {
		t.Fatalf("sample %+v", sample)
	}
}
