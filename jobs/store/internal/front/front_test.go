package front

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/lifecycle"
)

var (
	ctx = context.Background()
	now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

// call is one front function run with a work func that records whether
// it ran; it returns the error the function returned.
type call struct {
	name string
	run  func(g *lifecycle.Gate, worked *bool) error
}

// valid holds calls whose arguments pass every check and are not empty:
// the work runs.
var valid = []call{
	{"Insert", func(g *lifecycle.Gate, w *bool) error {
		_, err := Insert(ctx, g, []*store.Job{{ID: "a"}}, func(context.Context, []*store.Job) ([]store.Dup, error) { *w = true; return nil, nil })
		return err
	}},
	{"Claim", func(g *lifecycle.Gate, w *bool) error {
		_, err := Claim(ctx, g, "x", store.ClaimRequest{Queues: []string{"b", "a", "b"}, Limit: 1, Owner: "o"}, 10,
			func(_ context.Context, req store.ClaimRequest) ([]*store.Job, error) {
				*w = true
				queues, names := req.Queues, req.Names
				if strings.Join(queues, ",") != "a,b" || names != nil {
					return nil, errors.New("claim got queues " + strings.Join(queues, ",") + "; want a,b and no names")
				}
				return nil, nil
			})
		return err
	}},
	finishCall("Finish", store.Outcome{ID: "a", Owner: "o", State: store.Succeeded}),
	extendCall("ExtendLeases", "o"),
	{"Revoke", func(g *lifecycle.Gate, w *bool) error {
		_, err := Revoke(ctx, g, "x", "a", "bad\x00reason", now,
			func(_ context.Context, _, reason string, _ time.Time) (store.RevokeResult, error) {
				*w = true
				if reason != `bad\x00reason` {
					return store.RevokeResult{}, errors.New("revoke got the reason uncleaned: " + reason)
				}
				return store.RevokeResult{}, nil
			})
		return err
	}},
	{"Wake", func(g *lifecycle.Gate, w *bool) error {
		return Wake(ctx, g, []string{"a"}, now, func(context.Context, []string, time.Time) error { *w = true; return nil })
	}},
	{"Acquire", func(g *lifecycle.Gate, w *bool) error {
		_, _, err := Acquire(ctx, g, "x", store.Lease{Key: "k", Owner: "o", Until: now.Add(time.Second)}, now,
			func(context.Context, store.Lease, time.Time) (store.Lease, bool, error) {
				*w = true
				return store.Lease{}, true, nil
			})
		return err
	}},
	{"List", func(g *lifecycle.Gate, w *bool) error {
		_, err := List(ctx, g, "x", store.ListRequest{}, func(_ context.Context, req store.ListRequest) ([]*store.Job, error) {
			*w = true
			if req.Limit != 100 {
				return nil, errors.New("list got a page size other than the default")
			}
			return nil, nil
		})
		return err
	}},
	purgeCall("Purge", store.Dead),
	setPausedCall("Pause", Pause, "q"),
	setPausedCall("Resume", Resume, "q"),
}

func TestClosedGateComesFirst(t *testing.T) {
	var g lifecycle.Gate
	if _, err := g.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range append(valid, refused...) {
		worked := false
		if err := c.run(&g, &worked); !errors.Is(err, store.ErrClosed) || worked {
			t.Errorf("%s on a closed store = %v, work ran: %v; want ErrClosed, false", c.name, err, worked)
		}
	}
}

// refused holds calls that a check refuses: the work never runs, and the
// error names the store.
var refused = []call{
	{"Claim without queues", func(g *lifecycle.Gate, w *bool) error {
		_, err := Claim(ctx, g, "x", store.ClaimRequest{Limit: 1, Owner: "o"}, 10,
			func(context.Context, store.ClaimRequest) ([]*store.Job, error) {
				*w = true
				return nil, nil
			})
		return err
	}},
	finishCall("Finish without owner", store.Outcome{ID: "a", State: store.Succeeded}),
	extendCall("ExtendLeases without owner", ""),
	{"Revoke without reason", func(g *lifecycle.Gate, w *bool) error {
		_, err := Revoke(ctx, g, "x", "a", "", now,
			func(context.Context, string, string, time.Time) (store.RevokeResult, error) {
				*w = true
				return store.RevokeResult{}, nil
			})
		return err
	}},
	{"Acquire of a past lease", func(g *lifecycle.Gate, w *bool) error {
		_, _, err := Acquire(ctx, g, "x", store.Lease{Key: "k", Owner: "o", Until: now}, now,
			func(context.Context, store.Lease, time.Time) (store.Lease, bool, error) {
				*w = true
				return store.Lease{}, true, nil
			})
		return err
	}},
	{"List with a negative limit", func(g *lifecycle.Gate, w *bool) error {
		_, err := List(ctx, g, "x", store.ListRequest{Limit: -1}, func(context.Context, store.ListRequest) ([]*store.Job, error) { *w = true; return nil, nil })
		return err
	}},
	purgeCall("Purge of an unknown state", "limbo"),
	setPausedCall("Pause of no queue", Pause, ""),
	setPausedCall("Resume of no queue", Resume, ""),
}

// TestOnlyValidCallsReachTheWork runs the valid calls, whose work runs,
// and the refused ones, which the checks stop with an error prefixed by
// the store's name.
func TestOnlyValidCallsReachTheWork(t *testing.T) {
	var g lifecycle.Gate
	for i, c := range append(valid, refused...) {
		worked := false
		err := c.run(&g, &worked)
		if ok := i < len(valid); ok != worked || ok != (err == nil) || !ok && !strings.HasPrefix(err.Error(), "x: ") {
			t.Errorf("%s = %v, work ran: %v; want work %v", c.name, err, worked, ok)
		}
	}
	// The gate was left each time: Close does not wait.
	if _, err := g.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestEmptyBatchesAreAnsweredHere(t *testing.T) {
	var g lifecycle.Gate
	worked := false
	if dups, err := Insert(ctx, &g, nil, func(context.Context, []*store.Job) ([]store.Dup, error) { worked = true; return nil, nil }); dups != nil || err != nil {
		t.Errorf("Insert of none = %v, %v", dups, err)
	}
	if lost, err := Finish(ctx, &g, "x", nil, func(context.Context, []store.Outcome) ([]string, error) { worked = true; return nil, nil }); lost != nil || err != nil {
		t.Errorf("Finish of none = %v, %v", lost, err)
	}
	if lost, err := ExtendLeases(ctx, &g, "x", "o", nil, now, func(context.Context, string, []string, time.Time) ([]string, error) { worked = true; return nil, nil }); lost != nil || err != nil {
		t.Errorf("ExtendLeases of none = %v, %v", lost, err)
	}
	if err := Wake(ctx, &g, nil, now, func(context.Context, []string, time.Time) error { worked = true; return nil }); err != nil {
		t.Errorf("Wake of none = %v", err)
	}
	if n, err := Purge(ctx, &g, "x", "", store.Running, func(context.Context, string, store.State) (int, error) { worked = true; return 1, nil }); n != 0 || err != nil {
		t.Errorf("Purge of Running = %d, %v; want 0, nil (running jobs are never purged)", n, err)
	}
	if worked {
		t.Error("the work ran for a call the front answers")
	}
}

func TestRejectedOutcomesMatchErrRejected(t *testing.T) {
	var g lifecycle.Gate
	_, err := Finish(ctx, &g, "x", []store.Outcome{{ID: "a", Owner: "o", State: "limbo"}},
		func(context.Context, []store.Outcome) ([]string, error) { return nil, nil })
	if !errors.Is(err, store.ErrRejected) {
		t.Fatalf("Finish of a bad state = %v; want ErrRejected", err)
	}
}

// setPausedCall is the call of Pause or Resume of queue.
func setPausedCall(name string, set func(context.Context, *lifecycle.Gate, string, string, func(context.Context, string) error) error, queue string) call {
	return call{name, func(g *lifecycle.Gate, w *bool) error {
		return set(ctx, g, "x", queue, func(context.Context, string) error { *w = true; return nil })
	}}
}

// finishCall is the call of Finish of one outcome.
func finishCall(name string, o store.Outcome) call {
	return call{name, func(g *lifecycle.Gate, w *bool) error {
		_, err := Finish(ctx, g, "x", []store.Outcome{o}, func(context.Context, []store.Outcome) ([]string, error) { *w = true; return nil, nil })
		return err
	}}
}

// extendCall is the call of ExtendLeases of one lease held by owner.
func extendCall(name, owner string) call {
	return call{name, func(g *lifecycle.Gate, w *bool) error {
		_, err := ExtendLeases(ctx, g, "x", owner, []string{"a"}, now,
			func(context.Context, string, []string, time.Time) ([]string, error) { *w = true; return nil, nil })
		return err
	}}
}

// purgeCall is the call of Purge of the jobs of a queue in state.
func purgeCall(name string, state store.State) call {
	return call{name, func(g *lifecycle.Gate, w *bool) error {
		_, err := Purge(ctx, g, "x", "q", state, func(context.Context, string, store.State) (int, error) { *w = true; return 0, nil })
		return err
	}}
}
