package storecheck

import (
	"errors"
	"slices"
	"strings"
	"testing"

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
