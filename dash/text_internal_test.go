package dash

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spindlehq/spindle/jobs"
)

func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
		cut  bool
	}{
		{"plain", 100, "plain", false},
		{"bad \xff\xfe bytes", 100, `bad \xff\xfe bytes`, false},
		{"bell\x07 nul\x00 esc\x1b", 100, `bell\x07 nul\x00 esc\x1b`, false},
		{"keeps\nnew\tlines", 100, "keeps\nnew\tlines", false},
		{"rtl \u202eevil", 100, `rtl \u202eevil`, false},
		{"héllo wörld", 2, "hé", true}, // stops at a rune boundary, past max rather than inside a rune
		{strings.Repeat("x", 1<<20), 16, strings.Repeat("x", 16), true},
		{"<script>alert(1)</script>", 100, "<script>alert(1)</script>", false}, // text, escaped by whoever renders it
	} {
		got := clip([]byte(c.in), c.max)
		if got.Text != c.want || got.Truncated != c.cut || got.Size != len(c.in) {
			t.Errorf("clip(%.40q, %d) = %+.60v, want %q truncated=%v size=%d", c.in, c.max, got, c.want, c.cut, len(c.in))
		}
		if !utf8.ValidString(got.Text) {
			t.Errorf("clip(%.40q) is not valid UTF-8", c.in)
		}
	}
}

func TestClipJSON(t *testing.T) {
	got := clipJSON([]byte(`{"s":"\u003cscript\u003e","n":12345678901234567890}`), 1000, false)
	if got.Text != `{"n":12345678901234567890,"s":"<script>"}` {
		t.Errorf("compact: %q", got.Text)
	}
	got = clipJSON([]byte(`{"a":[1,2]}`), 1000, true)
	if got.Text != "{\n  \"a\": [\n    1,\n    2\n  ]\n}" {
		t.Errorf("indented: %q", got.Text)
	}
	// Not JSON, or not UTF-8: shown as stored, bad bytes visible.
	for in, want := range map[string]string{"not json": "not json", "\"a\xffb\"": `"a\xffb"`, `{"a":1} trailing`: `{"a":1} trailing`} {
		if got := clipJSON([]byte(in), 1000, true); got.Text != want {
			t.Errorf("clipJSON(%q) = %q, want %q", in, got.Text, want)
		}
	}
	big := `"` + strings.Repeat("y", 1<<20) + `"`
	got = clipJSON([]byte(big), detailLimit, true)
	if !got.Truncated || len(got.Text) > detailLimit+4 || got.Size != len(big) {
		t.Errorf("1 MB string: truncated=%v len=%d size=%d", got.Truncated, len(got.Text), got.Size)
	}
}

func TestRelatives(t *testing.T) {
	j := &jobs.JobInfo{
		DependsOn: []string{"01J00000000000000000000001", "not-an-id"},
		Next:      []string{"01J00000000000000000000003"},
	}
	got := relatives(j)
	want := []relative{{"depends on", "01J00000000000000000000001"}, {"next", "01J00000000000000000000003"}}
	if !slices.Equal(got, want) {
		t.Fatalf("relatives = %v, want %v", got, want)
	}
	if got := relatives(&jobs.JobInfo{}); got == nil || len(got) != 0 {
		t.Errorf("relatives of a job without links = %#v, want an empty list", got)
	}
}
