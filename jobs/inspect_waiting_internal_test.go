package jobs

import (
	"strings"
	"testing"
)

func TestTakersMissing(t *testing.T) {
	tk := takersOf([]WorkerInfo{
		{ID: "a", Queues: map[string]int{"q": 1}, Names: []string{"x"}},
		{ID: "b", Queues: map[string]int{"q": 1, "r": 1}, Names: []string{"y"}},
		{ID: "old", Queues: map[string]int{"any": 1}}, // announced no names: claims any
		{ID: "none", Queues: map[string]int{"empty": 1}, Names: []string{}},
	})
	for _, tt := range []struct {
		queue, name, want string
	}{
		{"q", "x", ""},
		{"q", "y", ""},
		{"r", "y", ""},
		{"any", "whatever", ""},
		{"q", "z", `a worker that knows job name "z" (no running worker on queue "q"`},
		{"r", "x", `a worker that knows job name "x" (no running worker on queue "r"`},
		{"empty", "x", `a worker that knows job name "x"`},
		{"nobody", "x", `a worker taking jobs from queue "nobody" (none is running)`},
	} {
		got := tk.missing(tt.queue, tt.name)
		if (tt.want == "") != (got == "") || !strings.HasPrefix(got, tt.want) {
			t.Errorf("missing(%q, %q) = %q, want %q...", tt.queue, tt.name, got, tt.want)
		}
	}
}
