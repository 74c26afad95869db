package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	for _, url := range []string{"memory:", tempStore(t)} {
		t.Run(storeKind(url), func(t *testing.T) {
			r := execute(t, "", "demo", "-n", "20", "-w", "8", "--store", url)
			wantOK(t, r)
			for _, want := range []string{
				"Spindle demo: 23 durable jobs in " + url,
				"12 thumbnail", "5 report", "2 webhook", "1 import",
				"Summary", "all ", "jobs/s", "p50", "p99",
				"receipt for order 1138 sent: $51.48",
			} {
				if !strings.Contains(r.out, want) {
					t.Errorf("demo output lacks %q:\n%s", want, r.out)
				}
			}
			// The broken import is dead-lettered after its three attempts,
			// the flaky webhooks retried until they worked.
			if !regexp.MustCompile(`import \(broken\)\s+1\s+0\s+1\s+2\s`).MatchString(r.out) {
				t.Errorf("the import row is not 1 job, 0 ok, 1 failed, 2 retries:\n%s", r.out)
			}
			if !regexp.MustCompile(`webhook \(flaky, priority 5\)\s+2\s+2\s+0\s+[2-4]\s`).MatchString(r.out) {
				t.Errorf("the webhook row is not 2 jobs, 2 ok, 0 failed, 2-4 retries:\n%s", r.out)
			}
			if !regexp.MustCompile(`all\s+23\s+22\s+1\s`).MatchString(r.out) {
				t.Errorf("the total row is not 23 jobs, 22 ok, 1 failed:\n%s", r.out)
			}
			hint := "spindle jobs --queue spindle-demo --state dead --store " + url
			if url == "memory:" {
				hint = "gone with it"
			}
			if !strings.Contains(r.out, hint) {
				t.Errorf("demo output lacks %q:\n%s", hint, r.out)
			}
			if !strings.Contains(r.errOut, "demo: 23/23 100%") {
				t.Errorf("no final progress line on stderr:\n%s", r.errOut)
			}
		})
	}
}

func TestDemoRunsAgainOnTheSameStore(t *testing.T) {
	url := tempStore(t)
	wantOK(t, execute(t, "", "demo", "-n", "4", "--store", url))
	r := execute(t, "", "demo", "-n", "4", "--store", url)
	wantOK(t, r)
	if !strings.Contains(r.out, "Cleared 7 jobs an earlier run left") {
		t.Errorf("the second run does not clear the first's jobs:\n%s", r.out)
	}
	// What the demo leaves is there to look at.
	p := decode[pageJSON](t, execute(t, "", "jobs", "--queue", demoQueue, "--json", "--store", url).out)
	if len(p.Jobs) != 7 {
		t.Errorf("the demo left %d jobs, want 7", len(p.Jobs))
	}
}

func TestDemoResumesItsQueue(t *testing.T) {
	url := newStore(t)
	wantOK(t, execute(t, "", "pause", demoQueue, "--create", "--store", url))
	wantOK(t, execute(t, "", "demo", "-n", "2", "--store", url))
}

func TestDemoInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := executeCtx(t, ctx, "", "demo", "-n", "10", "--store", "memory:")
	if r.code != ExitFailed {
		t.Errorf("demo with a cancelled context: %v", r)
	}
}
