package dash_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs/store"
)

// TestJobListOrder: newest first unless order=oldest, paging through
// "after" in either order, and a bad order named with what is accepted.
func TestJobListOrder(t *testing.T) {
	e := newEnv(t, dash.Options{})
	ids := []string{"01J00000000000000000000001", "01J00000000000000000000002", "01J00000000000000000000003"}
	for _, id := range ids {
		put(t, e.s, id, "q", []byte(`{}`), store.Queued, "")
	}
	type page struct {
		Jobs []struct{ ID string }
		Next string
	}
	list := func(q string) []string {
		var got []string
		after := ""
		for range 5 {
			var p page
			if code := getJSON(t, e, "/api/jobs?limit=2&"+q+"&after="+after, &p); code != 200 {
				t.Fatalf("GET /api/jobs?%s: %d", q, code)
			}
			for _, j := range p.Jobs {
				got = append(got, j.ID)
			}
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		return got
	}
	if got := strings.Join(list(""), " "); got != ids[2]+" "+ids[1]+" "+ids[0] {
		t.Errorf("default order: %s", got)
	}
	if got := strings.Join(list("order=oldest"), " "); got != strings.Join(ids, " ") {
		t.Errorf("oldest first: %s", got)
	}
	res, body := do(t, browser(t), "GET", e.srv.URL+"/api/jobs?order=sideways", nil, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `order \"sideways\": want newest (the default) or oldest`) {
		t.Errorf("bad order: %s %s", res.Status, body)
	}
}

// TestRetryAll retries what matches, counts first, and refuses a state
// a bulk retry does not take.
func TestRetryAll(t *testing.T) {
	e := newEnv(t, dash.Options{})
	put(t, e.s, "01J00000000000000000000001", "q", []byte(`{}`), store.Dead, "boom")
	put(t, e.s, "01J00000000000000000000002", "q", []byte(`{}`), store.Dead, "boom")
	put(t, e.s, "01J00000000000000000000003", "other", []byte(`{}`), store.Dead, "boom")
	put(t, e.s, "01J00000000000000000000004", "q", []byte(`{}`), store.Succeeded, "")
	var c struct {
		Count int
		More  bool
	}
	if code := getJSON(t, e, "/api/count?state=dead&queue=q", &c); code != 200 || c.Count != 2 || c.More {
		t.Fatalf("count: %d %+v", code, c)
	}
	b := browser(t)
	csrf := e.openPage(t, b)
	post := func(form url.Values) (int, string) {
		res, body := do(t, b, "POST", e.srv.URL+"/api/retry", form, map[string]string{"X-CSRF-Token": csrf})
		return res.StatusCode, body
	}
	for _, bad := range []string{"", "succeeded", "running", "nonsense"} {
		code, body := post(url.Values{"state": {bad}, "queue": {"q"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "want one of [dead canceled expired]") {
			t.Errorf("state %q: %d %s", bad, code, body)
		}
	}
	code, body := post(url.Values{"state": {"dead"}, "queue": {"q"}})
	var r struct {
		Retried, Failed int
		More            bool
		Message         string
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || code != 200 || r.Retried != 2 || r.Failed != 0 || r.More || r.Message != "Retried 2 dead jobs in queue q." {
		t.Fatalf("retry all: %d %s", code, body)
	}
	ctx := context.Background()
	for id, want := range map[string]store.State{
		"01J00000000000000000000001": store.Queued, "01J00000000000000000000002": store.Queued,
		"01J00000000000000000000003": store.Dead, "01J00000000000000000000004": store.Succeeded,
	} {
		if j, err := e.s.Get(ctx, id); err != nil || j.State != want {
			t.Errorf("%s: %v %v, want %s", id, j.State, err, want)
		}
	}
}

// TestWorkersAgreeWithOverview: a worker's running count is the store's,
// as the overview's is; what it held at its heartbeat is shown apart.
func TestWorkersAgreeWithOverview(t *testing.T) {
	e := newEnv(t, dash.Options{})
	put(t, e.s, "01J00000000000000000000001", "q", []byte(`{}`), store.Running, "") // leased by w1
	now := time.Now().UTC()
	presence := `{"host":"h","pid":1,"queues":{"q":1},"concurrency":1,"in_flight":2,"started":"` + now.Format(time.RFC3339) + `"}`
	for _, id := range []string{"w1", "w2"} {
		if _, ok, err := e.s.Acquire(context.Background(), store.Lease{Key: "worker:" + id, Owner: id, Data: []byte(presence), Until: now.Add(time.Hour)}, now); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	var p struct {
		Workers []struct {
			ID            string
			Running, Held int
		}
		Running, Unlisted int
	}
	if code := getJSON(t, e, "/api/workers", &p); code != 200 || len(p.Workers) != 2 {
		t.Fatalf("workers: %d %+v", code, p)
	}
	var o struct{ Totals map[string]int }
	getJSON(t, e, "/api/overview", &o)
	if p.Running != o.Totals["running"] || p.Running != 1 || p.Unlisted != 0 ||
		p.Workers[0].Running != 1 || p.Workers[0].Held != 2 || p.Workers[1].Running != 0 {
		t.Errorf("workers %+v, overview running %d", p, o.Totals["running"])
	}
}
