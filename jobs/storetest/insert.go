package storetest

// Insert and Get: what a store keeps, and which jobs it refuses as duplicates.

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

func testInsertGet(t *testing.T, s store.Store) {
	j := newJob("a1")
	j.Priority = 7
	j.MaxAttempts = 5
	j.Meta = []byte(`{"k":"v"}`)
	j.Queue = "emails"
	j.Name = "send"
	insert(t, s, j)
	j.Args[0] = 'X' // the store must have copied
	got := get(t, s, "a1")
	if got.Name != "send" || got.Queue != "emails" || got.Priority != 7 || got.MaxAttempts != 5 ||
		string(got.Args) != `{"n":1}` || string(got.Meta) != `{"k":"v"}` || got.State != store.Queued ||
		got.Attempt != 0 || !sameTime(got.RunAt, T0) || !sameTime(got.EnqueuedAt, T0) {
		t.Fatalf("Get returned %+v", got)
	}
	got.Args[0] = 'Y' // and return copies
	if again := get(t, s, "a1"); string(again.Args) != `{"n":1}` {
		t.Fatalf("Get returned the store's own slice: now %q", again.Args)
	}
}

func testInsertUnique(t *testing.T, s store.Store) {
	a, b, c := newJob("u1"), newJob("u2"), newJob("u3")
	a.UniqueKey, b.UniqueKey = "k", "k"
	dups, err := s.Insert(bg, []*store.Job{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dups, []store.Dup{{ID: "u2", Existing: "u1"}}) {
		t.Fatalf("dups = %v, want [{u2 u1}]: u2's key is held by u1, earlier in the batch", dups)
	}
	get(t, s, "u1")
	get(t, s, "u3")
	if _, err := s.Get(bg, "u2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(u2) = %v, want ErrNotFound", err)
	}
	d := newJob("u4")
	d.UniqueKey = "k"
	dups, err = s.Insert(bg, []*store.Job{d})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "u4", Existing: "u1"}}) {
		t.Fatalf("second insert: dups %v err %v, want [{u4 u1}]", dups, err)
	}
}

func testInsertDuplicateID(t *testing.T, s store.Store) {
	first := newJob("d1")
	first.Args = []byte(`"first"`)
	insert(t, s, first)
	again := newJob("d1")
	again.Args = []byte(`"second"`)
	dups, err := s.Insert(bg, []*store.Job{newJob("d2"), again, newJob("d3")})
	if err != nil {
		t.Fatalf("Insert of a batch holding an existing ID: %v; want the ID in dups", err)
	}
	if !slices.Equal(dups, []store.Dup{{ID: "d1", Existing: "d1"}}) {
		t.Fatalf("dups = %v, want [{d1 d1}]", dups)
	}
	if j := get(t, s, "d1"); string(j.Args) != `"first"` {
		t.Fatalf("the existing job was changed: Args %s", j.Args)
	}
	wantState(t, s, "d2", store.Queued)
	wantState(t, s, "d3", store.Queued)
	// Final jobs keep their ID: inserting it again runs nothing.
	claim(t, s, "w", 1, at(time.Second)) // d1
	finish(t, s, store.Outcome{ID: "d1", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)})
	dups, err = s.Insert(bg, []*store.Job{newJob("d1")})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "d1", Existing: "d1"}}) {
		t.Fatalf("re-insert of a finished ID: dups %v err %v; want [{d1 d1}]", dups, err)
	}
	wantState(t, s, "d1", store.Succeeded)
	// The same ID twice in one batch is inserted once.
	dups, err = s.Insert(bg, []*store.Job{newJob("d4"), newJob("d4")})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "d4", Existing: "d4"}}) {
		t.Fatalf("one ID twice in a batch: dups %v err %v; want [{d4 d4}]", dups, err)
	}
	if got := claim(t, s, "w", 10, at(3*time.Second)); !slices.Equal(ids(got), []string{"d2", "d3", "d4"}) {
		t.Fatalf("claimed %v, want [d2 d3 d4]: each inserted job once", ids(got))
	}
}

func testGetNotFound(t *testing.T, s store.Store) {
	if _, err := s.Get(bg, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
}

func testUniqueReleasedWhenFinal(t *testing.T, s store.Store) {
	a := newJob("n1")
	a.UniqueKey = "once"
	insert(t, s, a)
	claim(t, s, "w", 1, at(time.Second))
	b := newJob("n2")
	b.UniqueKey = "once"
	if dups, err := s.Insert(bg, []*store.Job{b}); err != nil || !slices.Equal(dups, []store.Dup{{ID: "n2", Existing: "n1"}}) {
		t.Fatalf("insert while running: dups %v err %v; want [{n2 n1}]", dups, err)
	}
	finish(t, s, store.Outcome{ID: "n1", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)})
	c := newJob("n3")
	c.UniqueKey = "once"
	insert(t, s, c)
}
