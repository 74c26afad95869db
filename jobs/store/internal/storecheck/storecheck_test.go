package storecheck

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spindlehq/spindle/jobs/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOutcome(t *testing.T) {
	ok := store.Outcome{ID: "j1", Owner: "w1", State: store.Succeeded}
	if err := Outcome("x", 0, ok); err != nil {
		t.Fatalf("valid outcome: %v", err)
	}
	for _, tt := range []struct {
		o    store.Outcome
		want string
	}{
		{store.Outcome{Owner: "w1", State: store.Succeeded}, "x: finish: outcomes[3] has an empty ID"},
		{store.Outcome{ID: "j1", State: store.Succeeded}, "x: finish job j1: empty Owner"},
		{store.Outcome{ID: "j1", Owner: "w1", State: store.Running}, `x: finish job j1: State "running"; want`},
	} {
		if err := Outcome("x", 3, tt.o); err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, store.ErrRejected) {
			t.Errorf("Outcome(%+v) = %v, want %q... matching store.ErrRejected", tt.o, err, tt.want)
		}
	}
}

func TestClaim(t *testing.T) {
	req := store.ClaimRequest{Queues: []string{"b", "a", "b"}, Limit: 1, Owner: "w", Names: []string{"y", "x", "y"}}
	in := slices.Clone(req.Names)
	qs, ns, err := Claim("x", req, 2)
	if err != nil || !slices.Equal(qs, []string{"a", "b"}) || !slices.Equal(ns, []string{"x", "y"}) {
		t.Fatalf("Claim = %q, %q, %v; want [a b], [x y]", qs, ns, err)
	}
	if !slices.Equal(req.Names, in) {
		t.Fatalf("Claim changed the request's Names to %q", req.Names)
	}
	if _, ns, _ := Claim("x", store.ClaimRequest{Queues: []string{"a"}, Limit: 1, Owner: "w"}, 1); ns != nil {
		t.Fatalf("no Names gave %q; want nil (any name)", ns)
	}
	for _, tt := range []struct {
		req  store.ClaimRequest
		want string
	}{
		{store.ClaimRequest{Limit: 1, Owner: "w"}, "x: claim: no Queues"},
		{store.ClaimRequest{Queues: []string{"a"}, Owner: "w"}, "x: claim: Limit 0"},
		{store.ClaimRequest{Queues: []string{"a"}, Limit: 1}, "x: claim: empty Owner"},
		{store.ClaimRequest{Queues: []string{"a", "b", "c"}, Limit: 1, Owner: "w"}, "x: claim: 3 queues; want at most 2"},
		{store.ClaimRequest{Queues: []string{""}, Limit: 1, Owner: "w"}, "x: claim: empty queue name"},
		{store.ClaimRequest{Queues: []string{"a"}, Limit: 1, Owner: "w", Names: []string{"n", ""}}, "x: claim: empty job name"},
		{store.ClaimRequest{Queues: []string{"a"}, Limit: 1, Owner: "w", Names: make([]string, store.MaxClaimNames+1)}, "x: claim: 1001 Names"},
	} {
		if _, _, err := Claim("x", tt.req, 2); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Claim(%+v) = %v, want %q...", tt.req, err, tt.want)
		}
	}
}

func TestSortReadyNames(t *testing.T) {
	rn := func(q, n string) store.ReadyName { return store.ReadyName{Queue: q, Name: n, Count: 1} }
	got := []store.ReadyName{rn("b", "x"), rn("a", "y"), rn("a", "x")}
	SortReadyNames(got)
	want := []store.ReadyName{rn("a", "x"), rn("a", "y"), rn("b", "x")}
	if !slices.Equal(got, want) {
		t.Fatalf("SortReadyNames = %v, want %v", got, want)
	}
}

func TestOutcomes(t *testing.T) {
	ok := store.Outcome{ID: "j1", Owner: "w1", State: store.Succeeded}
	if err := Outcomes("x", []store.Outcome{ok, ok}); err != nil {
		t.Fatalf("valid outcomes: %v", err)
	}
	err := Outcomes("x", []store.Outcome{ok, {ID: "j2", State: store.Succeeded}})
	if err == nil || !strings.HasPrefix(err.Error(), "x: finish job j2: empty Owner") || !errors.Is(err, store.ErrRejected) {
		t.Fatalf("Outcomes with a bad second outcome = %v", err)
	}
}

func TestLease(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	if err := Lease("x", store.Lease{Key: "k", Owner: "o", Until: now.Add(time.Nanosecond)}, now); err != nil {
		t.Fatalf("valid lease: %v", err)
	}
	for _, tt := range []struct {
		l    store.Lease
		want string
	}{
		{store.Lease{Owner: "o", Until: now.Add(time.Hour)}, "x: acquire: empty Key; want the name of the lease"},
		{store.Lease{Key: "k", Until: now.Add(time.Hour)}, `x: acquire "k": empty Owner; want who takes the lease`},
		{store.Lease{Key: "k", Owner: "o", Until: now}, `x: acquire "k": Until 2026-01-02T02:04:05Z is not after now 2026-01-02T02:04:05Z; want a lease that ends in the future`},
	} {
		if err := Lease("x", tt.l, now); err == nil || err.Error() != tt.want {
			t.Errorf("Lease(%+v) = %v, want %q", tt.l, err, tt.want)
		}
	}
}

func TestRevokeReason(t *testing.T) {
	if _, err := RevokeReason("x", "j1", ""); err == nil || err.Error() != "x: revoke j1: empty reason; want a non-empty reason saying why the job is revoked" {
		t.Errorf("empty reason: %v", err)
	}
	if got, err := RevokeReason("x", "j1", "stop\x00 now"); err != nil || strings.Contains(got, "\x00") || got == "" {
		t.Errorf("RevokeReason(NUL) = %q, %v; want it cleaned", got, err)
	}
}

func TestQueueTallyAndStats(t *testing.T) {
	var empty QueueTally
	if qs := empty.Queues(); len(qs) != 0 {
		t.Fatalf("empty tally: %v", qs)
	}
	var tl QueueTally
	tl.Add("b", store.Queued, 2)
	tl.Add("a", store.Running, 1)
	tl.Add("b", store.Queued, 3)
	tl.Paused("c")
	qs := tl.Queues()
	if len(qs) != 3 || qs[0].Name != "a" || qs[1].Name != "b" || qs[2].Name != "c" {
		t.Fatalf("Queues = %v, want a, b, c", qs)
	}
	if qs[1].Counts[store.Queued] != 5 || qs[0].Paused || !qs[2].Paused || len(qs[2].Counts) != len(store.States) {
		t.Fatalf("Queues = %+v", qs)
	}
	st := Stats(qs)
	if st.Queues != 3 || st.Counts[store.Queued] != 5 || st.Counts[store.Running] != 1 || len(st.Counts) != len(store.States) {
		t.Fatalf("Stats = %+v", st)
	}
}

func TestList(t *testing.T) {
	for _, tt := range []struct{ limit, want int }{{0, DefaultListLimit}, {1, 1}, {MaxListLimit + 1, MaxListLimit}} {
		if got, err := List("x", store.ListRequest{Limit: tt.limit, State: store.Queued}); err != nil || got != tt.want {
			t.Errorf("List(Limit %d) = %d, %v; want %d", tt.limit, got, err, tt.want)
		}
	}
	if _, err := List("x", store.ListRequest{Limit: -1}); err == nil || !strings.HasPrefix(err.Error(), "x: list: Limit -1; want 0 (default 100)") {
		t.Errorf("List(Limit -1) = %v", err)
	}
	if _, err := List("x", store.ListRequest{State: "bogus"}); err == nil || !strings.HasPrefix(err.Error(), `x: list: State "bogus"; want empty or one of`) {
		t.Errorf("List(State bogus) = %v", err)
	}
}

func TestSortClaimed(t *testing.T) {
	t0 := time.Unix(100, 0)
	j := func(id string, prio int, at time.Time) *store.Job {
		return &store.Job{ID: id, Priority: prio, RunAt: at}
	}
	got := []*store.Job{j("d", 0, t0), j("c", 0, t0.Add(-time.Second)), j("b", 5, t0), j("a", 0, t0)}
	SortClaimed(got)
	var ids []string
	for _, g := range got {
		ids = append(ids, g.ID)
	}
	if want := []string{"b", "c", "a", "d"}; !slices.Equal(ids, want) {
		t.Fatalf("SortClaimed = %v, want %v", ids, want)
	}
}

func TestOptions(t *testing.T) {
	type opts struct{ n int }
	type option func(*opts) error
	add := func(k int) option { return func(o *opts) error { o.n += k; return nil } }
	var o opts
	if err := Options(&o, []option{add(1), nil, add(2)}); err != nil || o.n != 3 {
		t.Fatalf("Options = %v, n %d; want nil, 3", err, o.n)
	}
	bad := errors.New("bad")
	o = opts{}
	err := Options(&o, []option{add(1), func(*opts) error { return bad }, add(2)})
	if err != bad || o.n != 1 {
		t.Fatalf("Options = %v, n %d; want the first error, 1", err, o.n)
	}
}

func TestErrorHistory(t *testing.T) {
	for _, none := range []string{"", "[]", "null"} {
		if got, err := ErrorHistory("j1", []byte(none)); got != nil || err != nil {
			t.Errorf("ErrorHistory(%q) = %v, %v; want nil, nil", none, got, err)
		}
	}
	got, err := ErrorHistory("j1", []byte(`[{"attempt":1,"error":"boom"}]`))
	if err != nil || len(got) != 1 {
		t.Fatalf("ErrorHistory = %v, %v", got, err)
	}
	if _, err := ErrorHistory("j1", []byte("{")); err == nil || !strings.HasPrefix(err.Error(), "job j1: decode error history: ") {
		t.Errorf("ErrorHistory(bad) = %v", err)
	}
}
