package dash_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs/store"
)

// rebindAttack is what a page of the attacker's runs once its name
// resolves to the dashboard: read the page for its CSRF token, read the
// jobs with their arguments, pause a queue. Every fetch is same-origin,
// so neither CORS nor the CSRF check stands in its way.
const rebindAttack = `(async () => {
	const out = {page: 0, api: 0, apiBody: "", pause: 0};
	const page = await fetch("/");
	out.page = page.status;
	const m = (await page.text()).match(/name="csrf-token" content="([^"]+)"/);
	const api = await fetch("/api/jobs?state=queued");
	out.api = api.status;
	out.apiBody = await api.text();
	const pause = await fetch("/api/queues/q/pause", {method: "POST", headers: {"X-CSRF-Token": m ? m[1] : ""}});
	out.pause = pause.status;
	return out;
})()`

type rebindResult struct {
	Page    int    `json:"page"`
	API     int    `json:"api"`
	APIBody string `json:"apiBody"`
	Pause   int    `json:"pause"`
}

// TestBrowserDNSRebinding plays a DNS rebinding attack in Chromium: the
// browser resolves evil.example to 127.0.0.1, as the attacker's DNS
// would once the victim has the attacker's page open. That page must get
// neither the dashboard nor its API; http://127.0.0.1:PORT/ still works.
func TestBrowserDNSRebinding(t *testing.T) {
	tb := newTab(t, chromedp.Flag("host-resolver-rules", "MAP evil.example 127.0.0.1"))
	e := newEnv(t, dash.Options{Interval: 200 * time.Millisecond})
	put(t, e.s, "01J00000000000000000000001", "q", []byte(`{"card":"4111-SECRET"}`), store.Queued, "")
	port := strconv.Itoa(e.srv.Listener.Addr().(*net.TCPAddr).Port)

	evil := "http://evil.example:" + port + "/"
	tb.do(chromedp.Navigate(evil))
	body := evalJS[string](tb, `document.body.innerText`)
	if strings.Contains(body, "4111-SECRET") || evalJS[bool](tb, `document.querySelector("#live") !== null`) {
		t.Errorf("%s served the dashboard:\n%s", evil, body)
	}
	for _, want := range []string{`"evil.example:` + port + `"`, "--allowed-host evil.example", "AllowedHosts"} {
		if !strings.Contains(body, want) {
			t.Errorf("%s: the refusal lacks %q:\n%s", evil, want, body)
		}
	}
	got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[rebindResult](rebindAttack, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if got.Page != 421 || got.API != 421 || got.Pause != 421 || strings.Contains(got.APIBody, "SECRET") {
		t.Errorf("from %s: GET / %d, GET /api/jobs %d, POST pause %d, want 421 each; API body:\n%s", evil, got.Page, got.API, got.Pause, got.APIBody)
	}
	qs, err := e.c.Inspect().Queues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if q.Paused {
			t.Errorf("the rebound page paused queue %s", q.Name)
		}
	}

	tb.open(e.srv) // http://127.0.0.1:PORT/
	tb.waitFor("the queued job is listed", `document.body.innerText.includes("q")`)
	tb.checkClean()
}
