package redis

import (
	"slices"
	"testing"
)

func TestParseIDs(t *testing.T) {
	good := map[string][]string{
		"":                 nil,
		"2:ab":             {"ab"},
		"2:ab3:c:d0:":      {"ab", "c:d", ""},
		"5:a b:c1:x":       {"a b:c", "x"},
		"12:with\nnewline": {"with\nnewline"},
	}
	for in, want := range good {
		got, err := parseIDs(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("parseIDs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"x", "3:ab", "2ab", "-1:", "2:ab9"} {
		if got, err := parseIDs(bad); err == nil {
			t.Errorf("parseIDs(%q) = %q; want an error", bad, got)
		}
	}
}
