package dash_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Payloads that would run if any of them reached the DOM as markup. Each
// also sets window.__pwned, in case a dialog were suppressed.
var payloads = []string{
	`<script>window.__pwned=1;alert(1)</script>`,
	`<img src=x onerror="window.__pwned=2;alert(2)">`,
	`"><svg onload="window.__pwned=3;alert(3)">`,
	`javascript:window.__pwned=4`,
	`</pre><iframe srcdoc="<script>parent.__pwned=5</script>">`,
}

const evilQueue = `<img src=x onerror="window.__pwned=6">`

// TestBrowserHostileJobData stores jobs whose every field is hostile, as
// another client of the store could, and checks that the page shows them
// as text: escaped, truncated, bad bytes visible, nothing executed.
func TestBrowserHostileJobData(t *testing.T) {
	tb := newTab(t)
	e := newEnv(t, dash.Options{Interval: 200 * time.Millisecond})
	ctx := context.Background()
	now := time.Now().UTC()
	huge := `{"blob":"` + strings.Repeat("<b>A</b>", 1<<17) + `"}` // 1 MiB
	type hostile struct {
		id, name string
		args     []byte
		err      string
	}
	hs := []hostile{
		{"01J00000000000000000000001", payloads[2], []byte(fmt.Sprintf(`{"a":%q,"b":%q}`, payloads[0], payloads[1])), payloads[4]},
		{"01J00000000000000000000002", "big", []byte(huge), strings.Repeat("E", 1<<20)},
		{"01J00000000000000000000003", "bytes", []byte("\"\xff\xfe<svg onload=alert(7)>\x00\x1b[31m\u202egnp.exe\""), "bad \xc3\x28 utf8 " + payloads[3]},
	}
	var in []*store.Job
	for _, h := range hs {
		in = append(in, &store.Job{ID: h.id, Name: h.name, Queue: evilQueue, Args: h.args, State: store.Queued, MaxAttempts: 1,
			RunAt: now, EnqueuedAt: now, Meta: []byte(fmt.Sprintf(`{"deps":["01J00000000000000000000009"],"headers":{"note":%q}}`, payloads[0]))})
	}
	if _, err := e.s.Insert(ctx, in); err != nil {
		t.Fatal(err)
	}
	// Claimed by a worker with a hostile name, then dead with a hostile error.
	claimed, err := e.s.Claim(ctx, store.ClaimRequest{Queues: []string{evilQueue}, Limit: 3, Owner: payloads[1], Now: now, LeaseUntil: now.Add(time.Hour)})
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: %d %v", len(claimed), err)
	}
	var outs []store.Outcome
	for _, h := range hs {
		outs = append(outs, store.Outcome{ID: h.id, Owner: payloads[1], State: store.Dead, Error: h.err, FinishedAt: now})
	}
	if _, err := e.s.Finish(ctx, outs); err != nil {
		t.Fatal(err)
	}
	// And one still running.
	put(t, e.s, "01J00000000000000000000004", evilQueue, []byte(`{}`), store.Running, "")
	// A worker that announces itself with hostile details, as another
	// client of the store could.
	presence, _ := json.Marshal(map[string]any{
		"host": payloads[0], "pid": 7, "queues": map[string]int{evilQueue: 1}, "concurrency": 2, "in_flight": 1,
		"started": now, "last_heartbeat": now,
	})
	if _, ok, err := e.s.Acquire(ctx, store.Lease{Key: "worker:" + payloads[1], Owner: payloads[1], Data: presence, Until: now.Add(time.Hour)}, now); err != nil || !ok {
		t.Fatalf("announce the hostile worker: %v %v", ok, err)
	}
	// And a hostile revocation reason.
	if err := e.c.Inspect().RevokeAll(ctx, "evil.job", jobs.RevokeAllOptions{Reason: payloads[3] + payloads[0]}); err != nil {
		t.Fatal(err)
	}

	tb.open(e.srv)
	tb.waitFor("the hostile revocation is listed", `document.querySelector('#revocations tbody tr td.clip')?.textContent === `+jsString(payloads[3]+payloads[0]))
	tb.waitFor("the hostile queue is listed", `document.querySelector('#queues tbody tr td a')?.textContent === `+jsString(evilQueue))
	tb.click(`#queues tbody tr td a`)
	tb.waitFor("its jobs are listed", `document.querySelectorAll('#jobs tbody tr').length === 4`)
	if got := textOf(tb, `#jobs tbody`); !strings.Contains(got, payloads[2]) || !strings.Contains(got, payloads[0]) {
		t.Errorf("list text lacks the payloads as text: %.300q", got)
	}
	if n := evalJS[int](tb, `Math.max(...Array.from(document.querySelectorAll('#jobs td.args')).map(td => td.textContent.length))`); n > 200 {
		t.Errorf("a list cell holds %d characters of arguments, want at most ~160", n)
	}
	tb.shot("hostile-list")

	for _, h := range hs {
		tb.click(fmt.Sprintf(`#jobs tbody tr[data-id=%q] a.job-link`, h.id))
		tb.waitFor("job "+h.id+" is shown", `document.querySelector('#job-id')?.textContent === `+jsString(h.id))
		args, errText := textOf(tb, `#job-args`), textOf(tb, `#job-error`)
		switch h.name {
		case payloads[2]:
			if got := textOf(tb, `#job-name`); got != payloads[2] {
				t.Errorf("name shown as %q", got)
			}
			if !strings.Contains(args, payloads[0]) || !strings.Contains(args, strings.ReplaceAll(payloads[1], `"`, `\"`)) || !strings.Contains(errText, payloads[4]) {
				t.Errorf("payloads not shown as text: args %q error %q", args, errText)
			}
			if got := textOf(tb, `#job-relatives`); !strings.Contains(got, "depends on: 01J00000000000000000000009") {
				t.Errorf("workflow relatives: %q", got)
			}
			tb.shot("hostile-job")
		case "big":
			if len(args) > 17<<10 || len(errText) > 17<<10 || !strings.Contains(textOf(tb, `#job-args-note`), "of 1.0 MiB") {
				t.Errorf("1 MiB shown as %d and %d characters, note %q", len(args), len(errText), textOf(tb, `#job-args-note`))
			}
		case "bytes":
			for _, want := range []string{`\xff\xfe<svg onload=alert(7)>\x00\x1b[31m\u202egnp.exe`} {
				if !strings.Contains(args, want) {
					t.Errorf("arguments %q: want %q", args, want)
				}
			}
			if !strings.Contains(errText, `bad \xc3( utf8`) {
				t.Errorf("error %q: want the bad byte escaped", errText)
			}
			tb.shot("hostile-bytes")
		}
		evalJS[any](tb, `history.back()`)
		tb.waitFor("back at the list", `document.querySelectorAll('#jobs tbody tr').length === 4 && !document.querySelector('#view-jobs').hidden`)
	}

	evalJS[any](tb, `location.hash = '#/workers'`)
	tb.waitFor("the workers are listed", `document.querySelector('#workers tbody tr td')?.textContent === `+jsString(payloads[1]))
	if got := textOf(tb, `#workers tbody`); !strings.Contains(got, evilQueue) || !strings.Contains(got, payloads[0]) {
		t.Errorf("workers view: %q", got)
	}
	tb.shot("hostile-workers")
	// Nothing ran: no marker, no element the payloads would create.
	if got := evalJS[bool](tb, `window.__pwned === undefined && window.parent.__pwned === undefined`); !got {
		t.Errorf("a payload ran: window.__pwned = %v", evalJS[any](tb, `window.__pwned`))
	}
	if n := evalJS[int](tb, `document.querySelectorAll('img, iframe, main script, svg[onload], [onerror], [onload]').length`); n != 0 {
		t.Errorf("%d elements from payloads are in the DOM", n)
	}
	if n := evalJS[int](tb, `document.scripts.length`); n != 1 {
		t.Errorf("%d scripts in the page, want only app.js", n)
	}
	tb.checkClean()
}

// jsString quotes s as a JavaScript string literal (JSON is one).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
