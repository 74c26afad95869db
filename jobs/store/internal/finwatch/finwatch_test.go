package finwatch

import (
	"slices"
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestWatchFiresOnceWithTheCarriedJob(t *testing.T) {
	var r Registry
	ch, job, stop := r.Watch("a")
	defer stop()
	other, _, stopOther := r.Watch("b")
	stopOther()
	stopOther()
	if !r.Wants("a") || r.Wants("b") || !r.Watching() {
		t.Fatalf("Wants(a)=%v Wants(b)=%v Watching=%v; want true false true", r.Wants("a"), r.Wants("b"), r.Watching())
	}
	j := &store.Job{ID: "a", State: store.Succeeded}
	r.FireJob("a", j)
	r.Fire("b")
	if !closed(ch) || job() != j {
		t.Fatalf("watch of a: closed %v, job %v; want closed with the fired job", closed(ch), job())
	}
	if closed(other) {
		t.Fatal("a stopped watch was closed")
	}
	if r.Watching() {
		t.Fatalf("still watching %v after the only watch fired", r.IDs())
	}
}

func TestFeedReportsWatchedJobsUntilRemoved(t *testing.T) {
	var r Registry
	calls := 0
	r.OnWatch = func() { calls++ }
	f := r.Feed()
	defer f.Stop()
	f.Add("a", "b", "a")
	if calls != 1 {
		t.Fatalf("OnWatch called %d times for one Add; want 1", calls)
	}
	j := &store.Job{ID: "a", State: store.Dead}
	r.FireJob("a", j)
	r.Fire("a", "c")
	if !closed(f.C()) {
		t.Fatal("no signal after a watched job fired")
	}
	fired, all := f.Take()
	if all || len(fired) != 1 || fired["a"] != j {
		t.Fatalf("Take = %v, %v; want only a with its carried job", fired, all)
	}
	// A signal says "may be final": the feed goes on watching.
	r.Fire("a")
	if fired, _ := f.Take(); len(fired) != 1 {
		t.Fatalf("Take after a second fire = %v; want a again", fired)
	}
	f.Remove("a")
	r.Fire("a", "b")
	if fired, _ := f.Take(); len(fired) != 1 || fired["b"] != nil {
		t.Fatalf("Take after Remove(a) = %v; want only b", fired)
	}
	if ids := r.IDs(); !slices.Equal(ids, []string{"b"}) {
		t.Fatalf("IDs = %v; want [b]", ids)
	}
}

func TestFireAllAndClose(t *testing.T) {
	var r Registry
	f := r.Feed()
	f.Add("a")
	ch, _, stop := r.Watch("a")
	defer stop()
	r.FireAll()
	if !closed(ch) {
		t.Fatal("FireAll left a one-shot watch open")
	}
	if fired, all := f.Take(); !all || len(fired) != 0 {
		t.Fatalf("Take after FireAll = %v, %v; want all", fired, all)
	}
	r.Close()
	r.Close()
	<-f.C() // the signal FireAll left
	if _, ok := <-f.C(); ok {
		t.Fatal("feed channel still open after Close")
	}
	if _, all := f.Take(); !all {
		t.Fatal("Take after Close does not report all")
	}
	f.Stop()
	late, job, _ := r.Watch("z")
	if !closed(late) || job() != nil {
		t.Fatal("a watch made after Close is not closed already")
	}
	if g := r.Feed(); !closed(g.C()) {
		t.Fatal("a feed opened after Close is not closed already")
	}
	if r.Watching() {
		t.Fatal("watching after Close")
	}
}

func TestStopForgetsEverything(t *testing.T) {
	var r Registry
	f := r.Feed()
	f.Add("a", "b")
	r.Fire("a")
	f.Stop()
	f.Stop()
	f.Add("c")
	if r.Watching() || r.Watches() != 0 {
		t.Fatalf("after Stop: watching %v", r.IDs())
	}
}

// What Take returns is the caller's, also when it is empty: fires that
// come after do not write into it.
func TestTakeHandsOverItsMap(t *testing.T) {
	var r Registry
	f := r.Feed()
	defer f.Stop()
	f.Add("a")
	empty, _ := f.Take()
	r.Fire("a")
	if len(empty) != 0 {
		t.Fatalf("a fire after Take wrote into the map Take returned: %v", empty)
	}
}
