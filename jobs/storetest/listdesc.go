package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// testListDescending pages newest first with the Before cursor, through
// filters that skip most jobs, and checks that After and Before bound a
// listing in either order.
func testListDescending(t *testing.T, s store.Store) {
	var all, odd []string
	for i := range 25 {
		j := newJob(fmt.Sprintf("ld%02d", i))
		if i%2 == 1 {
			j.Name = "odd"
			odd = append(odd, j.ID)
		}
		all = append(all, j.ID)
		insert(t, s, j)
	}
	claim(t, s, "w", 1, at(time.Second)) // ld00 is running
	page := func(req store.ListRequest) []string {
		t.Helper()
		var got []string
		for range 20 {
			p, err := s.List(bg, req)
			if err != nil {
				t.Fatalf("List(%+v): %v", req, err)
			}
			if len(p) > req.Limit {
				t.Fatalf("List(%+v) gave %d jobs, over the limit", req, len(p))
			}
			if len(p) == 0 {
				return got
			}
			got = append(got, ids(p)...)
			if req.Desc {
				req.Before = p[len(p)-1].ID
			} else {
				req.After = p[len(p)-1].ID
			}
		}
		t.Fatalf("List(%+v) did not end", req)
		return nil
	}
	newest := slices.Clone(all)
	slices.Reverse(newest)
	if got := page(store.ListRequest{Desc: true, Limit: 10}); !slices.Equal(got, newest) {
		t.Errorf("newest first, pages of 10: %v, want %v", got, newest)
	}
	oddNewest := slices.Clone(odd)
	slices.Reverse(oddNewest)
	if got := page(store.ListRequest{Desc: true, Name: "odd", Limit: 5}); !slices.Equal(got, oddNewest) {
		t.Errorf("newest first by name: %v, want %v", got, oddNewest)
	}
	if got := page(store.ListRequest{Desc: true, State: store.Queued, Queue: "default", Limit: 7}); !slices.Equal(got, newest[:24]) {
		t.Errorf("newest first by state and queue: %v, want %v", got, newest[:24])
	}
	if got := page(store.ListRequest{Desc: true, State: store.Running, Limit: 3}); !slices.Equal(got, []string{"ld00"}) {
		t.Errorf("newest first, running: %v, want [ld00]", got)
	}
	// A window: after ld05 and before ld12, both ways.
	window := all[6:12]
	if got := page(store.ListRequest{After: "ld05", Before: "ld12", Limit: 4}); !slices.Equal(got, window) {
		t.Errorf("ascending window (ld05, ld12): %v, want %v", got, window)
	}
	rwindow := slices.Clone(window)
	slices.Reverse(rwindow)
	if got := page(store.ListRequest{After: "ld05", Before: "ld12", Desc: true, Limit: 4}); !slices.Equal(got, rwindow) {
		t.Errorf("descending window (ld05, ld12): %v, want %v", got, rwindow)
	}
	if got := page(store.ListRequest{Before: "ld03", Limit: 10}); !slices.Equal(got, all[:3]) {
		t.Errorf("ascending before ld03: %v, want %v", got, all[:3])
	}
	if got := page(store.ListRequest{After: "ld20", Before: "ld20", Desc: true, Limit: 10}); len(got) != 0 {
		t.Errorf("an empty window gave %v", got)
	}
}
