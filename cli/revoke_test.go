package cli

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

func TestRevokeAndRestoreByID(t *testing.T) {
	s := seed(t)
	ctx := context.Background()
	later, err := tDouble.Enqueue(ctx, s.c, 5, jobs.Delay(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := execute(t, "", "revoke", s.waiting, "--reason", "not needed", "--store", s.url)
	wantOK(t, r)
	if r.out != "revoked "+s.waiting+"\n" {
		t.Errorf("revoke: %q", r.out)
	}
	j := decode[jobJSON](t, execute(t, "", "job", s.waiting, "--json", "--store", s.url).out)
	if j.State != "canceled" || !strings.Contains(j.LastError, "not needed") {
		t.Errorf("after revoke: %s %q", j.State, j.LastError)
	}
	got := decode[[]idStateJSON](t, execute(t, "", "revoke", later.ID(), "--json", "--store", s.url).out)
	if len(got) != 1 || got[0] != (idStateJSON{ID: later.ID(), State: "canceled"}) {
		t.Errorf("revoke --json: %+v", got)
	}

	r = execute(t, "", "restore", s.waiting, "--store", s.url)
	wantOK(t, r)
	if r.out != "restored "+s.waiting+"\n" {
		t.Errorf("restore: %q", r.out)
	}
	if j := decode[jobJSON](t, execute(t, "", "job", s.waiting, "--json", "--store", s.url).out); j.State != "queued" {
		t.Errorf("after restore: %s", j.State)
	}
	got = decode[[]idStateJSON](t, execute(t, "", "restore", later.ID(), "--json", "--store", s.url).out)
	if len(got) != 1 || got[0] != (idStateJSON{ID: later.ID(), State: "queued"}) {
		t.Errorf("restore --json: %+v", got)
	}

	// Jobs in the wrong state, and unknown ones.
	missing := "01JZZZZZZZZZZZZZZZZZZZZZZZ"
	wantFail(t, execute(t, "", "revoke", s.ok, "--store", s.url), ExitFailed, "revoke "+s.ok+": the job has already finished")
	wantFail(t, execute(t, "", "revoke", missing, "--store", s.url), ExitFailed, "no job with ID "+missing)
	wantFail(t, execute(t, "", "restore", s.dead, "--store", s.url), ExitFailed, "the job is dead", "only canceled jobs", `"retry"`)
	wantFail(t, execute(t, "", "restore", s.waiting, "--store", s.url), ExitFailed, "the job is queued", "has not finished")
	wantFail(t, execute(t, "", "restore", missing, "--store", s.url), ExitFailed, "no job with ID "+missing)
	// Several IDs: the good one is done, the bad one reported, exit 1.
	r = execute(t, "", "revoke", s.waiting, missing, "--store", s.url)
	if r.code != ExitFailed || r.out != "revoked "+s.waiting+"\n" || !strings.Contains(r.errOut, "no job with ID "+missing) || !strings.Contains(r.errOut, "could not revoke 1 of 2 jobs") {
		t.Errorf("revoke with one unknown ID: %v", r)
	}
}

// TestRevokeRunningJob: the job's worker stops it; the command says so.
func TestRevokeRunningJob(t *testing.T) {
	url := newStore(t)
	c := openClient(t, url)
	ctx := context.Background()
	started := make(chan struct{}, 1)
	block := jobs.Define("test.block", func(ctx context.Context, n int) (int, error) {
		started <- struct{}{}
		<-ctx.Done()
		return 0, context.Cause(ctx)
	}, jobs.Queue("blocking"))
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Queues: map[string]int{"blocking": 1}, Logger: slog.New(slog.DiscardHandler),
		LeaseDuration: time.Minute}, block) // heartbeats 20s apart: the revoke from the command is pushed
	if err != nil {
		t.Fatal(err)
	}
	stop := runWorker(ctx, w)
	defer stop()
	h, err := block.Enqueue(ctx, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	<-started
	got := decode[[]idStateJSON](t, execute(t, "", "revoke", h.ID(), "--reason", "operator", "--json", "--store", url).out)
	if len(got) != 1 || got[0].State != "running" {
		t.Errorf("revoke --json of a running job: %+v", got)
	}
	if _, err := h.Await(ctx); !errors.Is(err, jobs.ErrRevoked) || !strings.Contains(err.Error(), "operator") {
		t.Errorf("the revoked job: %v", err)
	}
}

func TestRevokeByName(t *testing.T) {
	url := newStore(t)
	r := execute(t, "", "revocations", "--store", url)
	if r.code != 0 || r.out != "no revocations by name\n" {
		t.Errorf("revocations on an empty store: %v", r)
	}
	if rs := decode[[]revocationJSON](t, execute(t, "", "revocations", "--json", "--store", url).out); len(rs) != 0 {
		t.Errorf("revocations --json on an empty store: %+v", rs)
	}

	before := time.Now()
	rv := decode[revocationJSON](t, execute(t, "", "revoke", "--name", "test.double", "--until", "2h", "--reason", "broken", "--json", "--store", url).out)
	if rv.Name != "test.double" || rv.Reason != "broken" || rv.Once || rv.Until == nil || rv.Until.Before(before.Add(2*time.Hour-time.Second)) {
		t.Errorf("revoke --name --until --json: %+v", rv)
	}
	r = execute(t, "", "revoke", "--name", "test.greet", "--once", "--store", url)
	wantOK(t, r)
	if r.out != "revoked the next job of test.greet\n" {
		t.Errorf("revoke --once: %q", r.out)
	}
	r = execute(t, "", "revoke", "--name", "other.job", "--store", url)
	wantOK(t, r)
	if !strings.Contains(r.out, `revoked every job of other.job until "restore --name other.job"`) {
		t.Errorf("revoke --name: %q", r.out)
	}
	rs := decode[[]revocationJSON](t, execute(t, "", "revocations", "--json", "--store", url).out)
	if len(rs) != 3 {
		t.Fatalf("revocations --json: %+v", rs)
	}
	for _, rv := range rs {
		switch rv.Name {
		case "other.job":
			if rv.Until != nil || rv.Once {
				t.Errorf("until restored: %+v", rv)
			}
		case "test.greet":
			if !rv.Once {
				t.Errorf("once: %+v", rv)
			}
		case "test.double":
			if rv.Until == nil || rv.Reason != "broken" {
				t.Errorf("until: %+v", rv)
			}
		}
	}
	r = execute(t, "", "revocations", "--store", url)
	for _, want := range []string{"NAME", "other.job", "restored", "test.greet", "once", "test.double", "broken"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("revocations lacks %q:\n%s", want, r.out)
		}
	}
	// Tab offers the revoked names for restore --name.
	if got := strings.Join(completions(t, "restore", "--store", url, "--name", "o"), " "); got != "other.job" {
		t.Errorf("complete restore --name o: %q", got)
	}

	r = execute(t, "", "restore", "--name", "other.job", "--store", url)
	wantOK(t, r)
	if r.out != "restored other.job: workers run its jobs again\n" {
		t.Errorf("restore --name: %q", r.out)
	}
	if got := decode[restoredJSON](t, execute(t, "", "restore", "--name", "test.greet", "--json", "--store", url).out); got != (restoredJSON{Name: "test.greet", Restored: true}) {
		t.Errorf("restore --name --json: %+v", got)
	}
	wantFail(t, execute(t, "", "restore", "--name", "other.job", "--store", url), ExitFailed, "no revocation of other.job is in force")
	if rs := decode[[]revocationJSON](t, execute(t, "", "revocations", "--json", "--store", url).out); len(rs) != 1 || rs[0].Name != "test.double" {
		t.Errorf("after restoring two: %+v", rs)
	}
}

func TestRevokeBadInput(t *testing.T) {
	url := newStore(t)
	id := "01JZZZZZZZZZZZZZZZZZZZZZZZ"
	for _, tc := range []struct {
		args     []string
		mentions []string
	}{
		{[]string{"revoke"}, []string{"needs job IDs, or --name NAME"}},
		{[]string{"restore"}, []string{"needs job IDs, or --name NAME"}},
		{[]string{"revoke", "not an id!"}, []string{"is not a job ID"}},
		{[]string{"revoke", id, "--once"}, []string{"apply to revoking by --name"}},
		{[]string{"revoke", id, "--until", "1h"}, []string{"apply to revoking by --name"}},
		{[]string{"revoke", id, "--name", "a.b"}, []string{"job IDs or --name, not both"}},
		{[]string{"restore", id, "--name", "a.b"}, []string{"job IDs or --name, not both"}},
		{[]string{"revoke", "--name", "bad name"}, []string{`"bad name" is not a job name`}},
		{[]string{"restore", "--name", "-x"}, []string{"is not a job name"}},
		{[]string{"revoke", "--name", "a.b", "--until", "1h", "--once"}, []string{"cannot be combined"}},
		{[]string{"revoke", "--name", "a.b", "--until", "tomorrow"}, []string{`--until "tomorrow"`, "RFC 3339", "duration"}},
		{[]string{"revoke", "--name", "a.b", "--until", "-1h"}, []string{"more than 0"}},
		{[]string{"revoke", "--name", "a.b", "--until", "2001-01-01T00:00:00Z"}, []string{"not in the future"}},
		{[]string{"revocations", "x"}, []string{"takes no arguments"}},
		{[]string{"workers", "x"}, []string{"takes no arguments"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			wantFail(t, execute(t, "", append(tc.args, "--store", url)...), ExitUsage, tc.mentions...)
		})
	}
	if rs := decode[[]revocationJSON](t, execute(t, "", "revocations", "--json", "--store", url).out); len(rs) != 0 {
		t.Errorf("bad input revoked names: %+v", rs)
	}
}

func TestParseUntil(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time // zero: an error
	}{
		{"90m", now.Add(90 * time.Minute)},
		{" 2h ", now.Add(2 * time.Hour)},
		{"2030-01-03T00:00:00Z", time.Date(2030, 1, 3, 0, 0, 0, 0, time.UTC)},
		{"2030-01-02T04:00:00+01:00", time.Time{}}, // 03:00Z: past
		{"0s", time.Time{}},
		{"", time.Time{}},
	} {
		got, err := parseUntil(tc.in, now)
		if tc.want.IsZero() {
			if err == nil {
				t.Errorf("parseUntil(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseUntil(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
