package cli

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs"
)

// seeded is a store with jobs in known states.
type seeded struct {
	url               string
	ok, dead, waiting string // IDs: succeeded, dead (greetings), queued (default)
	c                 *jobs.Client
}

// seed makes a store with one succeeded and one dead job in queue
// "greetings" and one queued job in queue "default".
func seed(t *testing.T) seeded {
	t.Helper()
	ctx := context.Background()
	s := seeded{url: tempStore(t)}
	s.c = openClient(t, s.url)
	w, err := jobs.NewWorker(s.c, jobs.WorkerOptions{Queues: map[string]int{"greetings": 1}, Logger: slog.New(slog.DiscardHandler)}, tGreet)
	if err != nil {
		t.Fatal(err)
	}
	stop := runWorker(ctx, w)
	ok, err := tGreet.Enqueue(ctx, s.c, greetArgs{Name: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	dead, err := tGreet.Enqueue(ctx, s.c, greetArgs{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ok.Await(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := dead.Await(ctx); err == nil {
		t.Fatal("the dead job succeeded")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	waiting, err := tDouble.Enqueue(ctx, s.c, 21)
	if err != nil {
		t.Fatal(err)
	}
	s.ok, s.dead, s.waiting = ok.ID(), dead.ID(), waiting.ID()
	return s
}

func TestQueuesAndStats(t *testing.T) {
	s := seed(t)
	r := execute(t, "", "queues", "--store", s.url)
	wantOK(t, r)
	for _, want := range []string{"QUEUE", "greetings", "default", "DEAD"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("queues lacks %q:\n%s", want, r.out)
		}
	}
	qs := decode[[]queueJSON](t, execute(t, "", "queues", "--store", s.url, "--json").out)
	if len(qs) != 2 || qs[0].Name != "default" || qs[0].Counts["queued"] != 1 || qs[0].Total != 1 ||
		qs[1].Name != "greetings" || qs[1].Counts["succeeded"] != 1 || qs[1].Counts["dead"] != 1 || len(qs[1].Counts) != 7 {
		t.Errorf("queues --json: %+v", qs)
	}

	r = execute(t, "", "stats", "--store", s.url)
	wantOK(t, r)
	if !strings.Contains(r.out, "oldest queued") || !strings.Contains(r.out, "enqueued") {
		t.Errorf("stats:\n%s", r.out)
	}
	st := decode[statsJSON](t, execute(t, "", "stats", "--store", s.url, "--json").out)
	if st.Total != 3 || st.Queues != 2 || st.Counts["dead"] != 1 || st.OldestQueuedAt == nil || st.OldestQueuedAgeSeconds == nil || *st.OldestQueuedAgeSeconds < 0 {
		t.Errorf("stats --json: %+v", st)
	}
}

func TestEmptyStore(t *testing.T) {
	url := newStore(t)
	r := execute(t, "", "queues", "--store", url)
	wantOK(t, r)
	if !strings.Contains(r.out, "no queues") {
		t.Errorf("queues on an empty store: %q", r.out)
	}
	if qs := decode[[]queueJSON](t, execute(t, "", "queues", "--json", "--store", url).out); len(qs) != 0 {
		t.Errorf("queues --json on an empty store: %+v", qs)
	}
	st := decode[statsJSON](t, execute(t, "", "stats", "--json", "--store", url).out)
	if st.Total != 0 || st.OldestQueuedAt != nil || st.OldestQueuedAgeSeconds != nil {
		t.Errorf("stats --json on an empty store: %+v", st)
	}
	r = execute(t, "", "jobs", "--store", url)
	if r.code != 0 || !strings.Contains(r.out, "no jobs match") {
		t.Errorf("jobs on an empty store: %v", r)
	}
}

func TestJobsListsAndPages(t *testing.T) {
	s := seed(t)
	r := execute(t, "", "jobs", "--store", s.url)
	wantOK(t, r)
	for _, id := range []string{s.ok, s.dead, s.waiting} {
		if !strings.Contains(r.out, id) {
			t.Errorf("jobs lacks %s:\n%s", id, r.out)
		}
	}
	p := decode[pageJSON](t, execute(t, "", "jobs", "--store", s.url, "--state", "dead", "--json").out)
	if len(p.Jobs) != 1 || p.Jobs[0].ID != s.dead || p.Jobs[0].LastError != "nobody to greet" || p.Next != "" {
		t.Errorf("jobs --state dead --json: %+v", p)
	}
	p = decode[pageJSON](t, execute(t, "", "jobs", "--store", s.url, "--queue", "greetings", "--name", "test.greet", "--json").out)
	if len(p.Jobs) != 2 {
		t.Errorf("jobs --queue greetings --name test.greet: %+v", p)
	}

	// Pages of one: three pages, each pointing at the next.
	r = execute(t, "", "jobs", "--store", s.url, "--limit", "1")
	if r.code != 0 || !strings.Contains(r.errOut, "--after "+s.ok) {
		t.Errorf("jobs --limit 1 does not point at the next page: %v", r)
	}
	seen := []string{}
	after := ""
	for range 4 {
		p := decode[pageJSON](t, execute(t, "", "jobs", "--store", s.url, "--limit", "1", "--after", after, "--json").out)
		for _, j := range p.Jobs {
			seen = append(seen, j.ID)
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if strings.Join(seen, " ") != strings.Join([]string{s.ok, s.dead, s.waiting}, " ") {
		t.Errorf("paging saw %v", seen)
	}
	p = decode[pageJSON](t, execute(t, "", "jobs", "--store", s.url, "--limit", "1", "--all", "--json").out)
	if len(p.Jobs) != 3 || p.Next != "" {
		t.Errorf("--all: %d jobs, next %q", len(p.Jobs), p.Next)
	}
}

func TestJobShowsEverything(t *testing.T) {
	s := seed(t)
	r := execute(t, "", "job", s.dead, "--store", s.url)
	wantOK(t, r)
	for _, want := range []string{s.dead, "test.greet", "greetings", "dead", "1 of 1", `{"name":""}`, "nobody to greet", "Errors:"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("job lacks %q:\n%s", want, r.out)
		}
	}
	j := decode[jobJSON](t, execute(t, "", "job", s.ok, "--store", s.url, "--json").out)
	if j.ID != s.ok || j.State != "succeeded" || compact(t, j.Result) != `"hello, ana"` || compact(t, j.Args) != `{"name":"ana"}` ||
		j.Attempt != 1 || j.MaxAttempts != 1 || j.EnqueuedAt == nil || j.FinishedAt == nil || j.Worker != "" || len(j.Errors) != 0 {
		t.Errorf("job --json: %+v", j)
	}
	j = decode[jobJSON](t, execute(t, "", "job", s.waiting, "--store", s.url, "--json").out)
	if j.State != "queued" || string(j.Result) != "null" || j.FinishedAt != nil || j.Errors == nil {
		t.Errorf("queued job --json: %+v", j)
	}
	// No worker runs: the waiting job says what it waits for.
	if !strings.Contains(j.WaitingFor, "a worker taking jobs from queue") {
		t.Errorf("queued job with no worker: waiting_for %q", j.WaitingFor)
	}
	if r := execute(t, "", "job", s.waiting, "--store", s.url); !strings.Contains(r.out, "Waiting for") {
		t.Errorf("queued job with no worker lacks its Waiting for line:\n%s", r.out)
	}
}

func TestResult(t *testing.T) {
	s := seed(t)
	r := execute(t, "", "result", s.ok, "--store", s.url)
	wantOK(t, r)
	if r.out != "\"hello, ana\"\n" {
		t.Errorf("result: %q", r.out)
	}
	// Reading never consumes the result.
	if r := execute(t, "", "result", s.ok, "--store", s.url); r.code != 0 {
		t.Errorf("second read: %v", r)
	}
	res := decode[resultJSON](t, execute(t, "", "result", s.ok, "--store", s.url, "--json").out)
	if res.State != "succeeded" || compact(t, res.Result) != `"hello, ana"` || res.Error != "" {
		t.Errorf("result --json: %+v", res)
	}

	wantFail(t, execute(t, "", "result", s.dead, "--store", s.url), ExitFailed, "dead after 1 attempt", "nobody to greet")
	r = execute(t, "", "result", s.dead, "--store", s.url, "--json")
	res = decode[resultJSON](t, r.out)
	if r.code != ExitFailed || res.State != "dead" || res.Error != "nobody to greet" || string(res.Result) != "null" {
		t.Errorf("result --json of a dead job: %+v, %v", res, r)
	}
	wantFail(t, execute(t, "", "result", s.waiting, "--store", s.url), ExitFailed, "is queued", "--wait")
	wantFail(t, execute(t, "", "result", s.waiting, "--store", s.url, "--wait", "--timeout", "50ms"), ExitFailed, "still queued after waiting 50ms")
}

func TestResultWaitsForAWorker(t *testing.T) {
	s := seed(t)
	ctx := context.Background()
	w, err := jobs.NewWorker(s.c, jobs.WorkerOptions{Logger: slog.New(slog.DiscardHandler)}, tDouble)
	if err != nil {
		t.Fatal(err)
	}
	stop := runWorker(ctx, w)
	defer stop()
	r := execute(t, "", "result", s.waiting, "--store", s.url, "--wait", "--timeout", "1m")
	wantOK(t, r)
	if r.out != "42\n" {
		t.Errorf("result --wait: %q", r.out)
	}
}

func TestRetryDeletePurge(t *testing.T) {
	s := seed(t)
	r := execute(t, "", "retry", s.dead, "--store", s.url)
	wantOK(t, r)
	if r.out != "retried "+s.dead+"\n" {
		t.Errorf("retry: %q", r.out)
	}
	j := decode[jobJSON](t, execute(t, "", "job", s.dead, "--store", s.url, "--json").out)
	if j.State != "queued" || len(j.Errors) != 1 {
		t.Errorf("after retry: state %s, %d errors kept", j.State, len(j.Errors))
	}

	// Several IDs: the good ones are done, the bad one is reported, exit 1.
	missing := "01JZZZZZZZZZZZZZZZZZZZZZZZ"
	r = execute(t, "", "delete", s.dead, missing, "--store", s.url)
	if r.code != ExitFailed || r.out != "deleted "+s.dead+"\n" || !strings.Contains(r.errOut, "no job with ID "+missing) || !strings.Contains(r.errOut, "could not delete 1 of 2 jobs") {
		t.Errorf("delete with one unknown ID: %v", r)
	}
	wantFail(t, execute(t, "", "job", s.dead, "--store", s.url), ExitFailed, "no job with ID "+s.dead)

	// Purge asks first; no answer, or "n", keeps the jobs.
	r = execute(t, "", "purge", "--state", "succeeded", "--store", s.url)
	if r.code != ExitFailed || !strings.Contains(r.errOut, "Delete 1 job (succeeded) from every queue") || !strings.Contains(r.errOut, "not confirmed") {
		t.Errorf("purge without an answer: %v", r)
	}
	if r := execute(t, "n\n", "purge", "--state", "succeeded", "--store", s.url); r.code != ExitFailed {
		t.Errorf("purge answered n: %v", r)
	}
	r = execute(t, "y\n", "purge", "--state", "succeeded", "--store", s.url)
	wantOK(t, r)
	if !strings.Contains(r.out, "deleted 1 job (succeeded) from every queue") {
		t.Errorf("purge answered y: %v", r)
	}
	r = execute(t, "", "purge", "--state", "all", "--queue", "greetings", "--store", s.url)
	if r.code != 0 || !strings.Contains(r.out, "nothing to purge") {
		t.Errorf("purge of an empty selection: %v", r)
	}
	pj := decode[purgeJSON](t, execute(t, "", "purge", "--state", "all", "--queue", "default", "--yes", "--json", "--store", s.url).out)
	if pj != (purgeJSON{Deleted: 1, Queue: "default", State: "all"}) {
		t.Errorf("purge --json: %+v", pj)
	}
	st := decode[statsJSON](t, execute(t, "", "stats", "--json", "--store", s.url).out)
	if st.Total != 0 {
		t.Errorf("after purging everything: %+v", st)
	}
}

func TestPauseResume(t *testing.T) {
	url := newStore(t)
	// A queue the store has never seen is a likely typo.
	r := execute(t, "", "pause", "mial", "--store", url)
	if r.code != ExitUsage || !strings.Contains(r.errOut, "--create") {
		t.Errorf("pause of an unknown queue: exit %d, %q; want 2 and the --create hint", r.code, r.errOut)
	}
	if qs := decode[[]queueJSON](t, execute(t, "", "queues", "--json", "--store", url).out); len(qs) != 0 {
		t.Errorf("a refused pause left queues behind: %+v", qs)
	}
	wantOK(t, execute(t, "", "pause", "mail", "--create", "--store", url))
	pj := decode[pauseJSON](t, execute(t, "", "pause", "mail", "--json", "--store", url).out)
	if pj != (pauseJSON{Queue: "mail", Paused: true}) {
		t.Errorf("pause --json: %+v", pj)
	}
	qs := decode[[]queueJSON](t, execute(t, "", "queues", "--json", "--store", url).out)
	if len(qs) != 1 || qs[0].Name != "mail" || !qs[0].Paused {
		t.Errorf("after pause: %+v", qs)
	}
	if r := execute(t, "", "queues", "--store", url); !strings.Contains(r.out, "paused") {
		t.Errorf("queues does not show the pause:\n%s", r.out)
	}
	r = execute(t, "", "resume", "mail", "--store", url)
	wantOK(t, r)
	if r.out != "resumed queue mail\n" {
		t.Errorf("resume: %q", r.out)
	}
	if qs := decode[[]queueJSON](t, execute(t, "", "queues", "--json", "--store", url).out); len(qs) != 0 {
		t.Errorf("after resume: %+v", qs)
	}
}

func TestBadInput(t *testing.T) {
	s := seed(t)
	for _, tc := range []struct {
		args     []string
		code     int
		mentions []string
	}{
		{[]string{"job"}, ExitUsage, []string{"needs a job ID", "--help"}},
		{[]string{"job", "a", "b"}, ExitUsage, []string{"got 2 arguments"}},
		{[]string{"job", "--bogus"}, ExitUsage, []string{"unknown flag: --bogus"}},
		{[]string{"job", "no such id!"}, ExitUsage, []string{"is not a job ID"}},
		{[]string{"retry"}, ExitUsage, []string{"at least one job ID"}},
		{[]string{"delete"}, ExitUsage, []string{"at least one job ID"}},
		{[]string{"result"}, ExitUsage, []string{"needs a job ID"}},
		{[]string{"result", s.ok, "--timeout", "-1s"}, ExitUsage, []string{"--timeout"}},
		{[]string{"pause"}, ExitUsage, []string{"needs a queue name"}},
		{[]string{"resume", "bad queue"}, ExitUsage, []string{"is not a queue name"}},
		{[]string{"jobs", "--state", "finished"}, ExitUsage, []string{`"finished" is not a job state`, "succeeded"}},
		{[]string{"jobs", "--limit", "0"}, ExitUsage, []string{"--limit 0"}},
		{[]string{"jobs", "--limit", "many"}, ExitUsage, []string{"invalid argument"}},
		{[]string{"jobs", "extra"}, ExitUsage, []string{"takes no arguments"}},
		{[]string{"purge"}, ExitUsage, []string{"needs --state"}},
		{[]string{"purge", "--state", "running"}, ExitUsage, []string{"running jobs cannot be purged"}},
		{[]string{"purge", "--state", "nope"}, ExitUsage, []string{"accepted:", "all"}},
		{[]string{"no-such-command"}, ExitUsage, []string{"unknown command"}},
		{[]string{"demo", "-n", "0"}, ExitUsage, []string{"-n 0"}},
		{[]string{"demo", "-w", "0"}, ExitUsage, []string{"-w 0"}},
		{[]string{"job", "01JZZZZZZZZZZZZZZZZZZZZZZZ"}, ExitFailed, []string{"no job with ID 01JZZZZZZZZZZZZZZZZZZZZZZZ"}},
		{[]string{"result", "01JZZZZZZZZZZZZZZZZZZZZZZZ", "--wait"}, ExitFailed, []string{"no job with ID"}},
		{[]string{"retry", "01JZZZZZZZZZZZZZZZZZZZZZZZ"}, ExitFailed, []string{"no job with ID"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			wantFail(t, execute(t, "", append(tc.args, "--store", s.url)...), tc.code, tc.mentions...)
		})
	}
}

func TestBadStores(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		url      string
		mentions []string
	}{
		{"nonsense", []string{"no scheme", "accepted"}},
		{"mysql://root:hunter2@db/app", []string{"unknown scheme", "mysql://root:xxxxx@db/app"}},
		{"postgres://app:s3cr%40t@127.0.0.1:1/app?sslmode=disable", []string{}},
		{"redis://:topsecret@127.0.0.1:1/0", []string{}},
		{"sqlite:" + dir + "/missing/dir/jobs.db", []string{"no store at sqlite:" + dir + "/missing/dir/jobs.db: the file does not exist"}},
		{"sqlite:" + dir + "/missing.db", []string{"the file does not exist", "--store or SPINDLE_STORE"}},
		{"sqlite:" + dir, []string{"is a directory"}},
		{"", []string{"--store is empty"}},
	} {
		t.Run(tc.url, func(t *testing.T) {
			for _, args := range [][]string{{"queues"}, {"jobs", "--json"}, {"job", "01JZZZZZZZZZZZZZZZZZZZZZZZ"}, {"stats"}} {
				r := execute(t, "", append(args, "--store", tc.url, "--connect-timeout", "5s")...)
				code := ExitFailed
				if tc.url == "" {
					code = ExitUsage
				}
				wantFail(t, r, code, tc.mentions...)
				for _, secret := range []string{"hunter2", "s3cr", "topsecret"} {
					if strings.Contains(r.out+r.errOut, secret) {
						t.Errorf("%v printed the password: %v", args, r)
					}
				}
				if r.out != "" {
					t.Errorf("%v wrote to stdout on failure: %q", args, r.out)
				}
			}
		})
	}
}

func TestStoreFromEnvironment(t *testing.T) {
	s := seed(t)
	t.Setenv(defaultStoreEnv, s.url)
	r := func() result {
		root := NewCommand(Config{Name: "spindle"})
		var out, errOut strings.Builder
		root.SetOut(&out)
		root.SetErr(&errOut)
		code := Execute(context.Background(), root, []string{"stats", "--json"})
		return result{code, out.String(), errOut.String()}
	}()
	wantOK(t, r)
	if st := decode[statsJSON](t, r.out); st.Total != 3 || st.Store != s.url {
		t.Errorf("stats with %s=%s: %+v", defaultStoreEnv, s.url, st)
	}
}

func TestAdminCommandsDoNotCreateAStore(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite:" + dir + "/jobs.db"
	for _, args := range [][]string{{"queues"}, {"jobs"}, {"stats"}, {"pause", "q"}, {"purge", "--state", "dead", "--yes"}, {"job", "01JZZZZZZZZZZZZZZZZZZZZZZZ"}} {
		wantFail(t, execute(t, "", append(args, "--store", url)...), ExitFailed, "the file does not exist")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("administration commands created %v", entries)
	}
	// The commands that run jobs create it.
	wantOK(t, execute(t, "", "enqueue", "test.double", "1", "--store", url))
	wantOK(t, execute(t, "", "queues", "--store", url))
}
