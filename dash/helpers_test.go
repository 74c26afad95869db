package dash_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

const testToken = "0123456789abcdef-test-token"

// env is a dashboard over a fresh memory store, served by httptest.
type env struct {
	c   *jobs.Client
	s   store.Store
	h   *dash.Handler
	srv *httptest.Server
}

func newEnv(t *testing.T, opts dash.Options) *env {
	t.Helper()
	s := memory.New()
	c, err := jobs.New(s)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Interval == 0 {
		opts.Interval = 20 * time.Millisecond
	}
	h, err := dash.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		h.Close() // ends event streams, which would hold srv.Close
		srv.Close()
		c.Close()
		s.Close()
	})
	return &env{c: c, s: s, h: h, srv: srv}
}

// browser returns a client with a cookie jar that never follows
// redirects, so tests see them.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// openPage loads the page with b and returns its CSRF token.
func (e *env) openPage(t *testing.T, b *http.Client) string {
	t.Helper()
	res, body := do(t, b, "GET", e.srv.URL+"/", nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %s\n%s", res.Status, body)
	}
	m := csrfMeta.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("page has no CSRF token:\n%s", body)
	}
	return m[1]
}

// do sends one request; form, when not nil, is the POST body.
func do(t *testing.T, c *http.Client, method, u string, form url.Values, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// put stores a job directly and drives it to state through the store
// contract, as a worker in another process would.
func put(t *testing.T, s store.Store, id, queue string, args []byte, state store.State, errMsg string) {
	t.Helper()
	ctx := context.Background()
	j := &store.Job{ID: id, Name: "test.job", Queue: queue, Args: args, State: store.Queued, MaxAttempts: 1, RunAt: t0, EnqueuedAt: t0}
	if _, err := s.Insert(ctx, []*store.Job{j}); err != nil {
		t.Fatal(err)
	}
	if state == store.Queued {
		return
	}
	driveTo(t, s, queue, id, state, t0.Add(time.Second), time.Second, errMsg)
}

// driveTo claims the next job of queue at start, which must be id, and
// finishes it in state after run (with errMsg unless it succeeded), or
// leaves it running.
func driveTo(t *testing.T, s store.Store, queue, id string, state store.State, start time.Time, run time.Duration, errMsg string) {
	t.Helper()
	ctx := context.Background()
	cl, err := s.Claim(ctx, store.ClaimRequest{Queues: []string{queue}, Limit: 1, Owner: "w1", Now: start, LeaseUntil: start.Add(time.Hour)})
	if err != nil || len(cl) != 1 || cl[0].ID != id {
		t.Fatalf("claim %s: %v %v", id, cl, err)
	}
	if state == store.Running {
		return
	}
	o := store.Outcome{ID: id, Owner: "w1", State: state, FinishedAt: start.Add(run)}
	if state == store.Succeeded {
		o.Result = []byte(`"ok"`)
	} else {
		o.Error = errMsg
	}
	if _, err := s.Finish(ctx, []store.Outcome{o}); err != nil {
		t.Fatal(err)
	}
}
