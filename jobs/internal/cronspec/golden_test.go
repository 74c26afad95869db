package cronspec

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"
)

// TestGolden replays testdata/next.golden, the answers of the parser that
// cronspec replaced: every expression it ticked for gives the same ticks
// here, daylight saving changes included, and every one it refused (or
// that never fired) is refused.
func TestGolden(t *testing.T) {
	f, err := os.Open("testdata/next.golden")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zones := map[string]*time.Location{}
	lines, nexts, refused := 0, 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		switch cols[0] {
		case "refused":
			refused++
			if _, err := Parse(cols[1], time.UTC); err == nil {
				t.Errorf("line %d: Parse(%q) accepted; want it refused", lines, cols[1])
			}
		case "next":
			nexts++
			zone, spec, from, want := cols[1], cols[2], cols[3], cols[4:]
			loc, ok := zones[zone]
			if !ok {
				if loc, err = time.LoadLocation(zone); err != nil {
					t.Fatal(err)
				}
				zones[zone] = loc
			}
			s, err := Parse(spec, loc)
			if err != nil {
				t.Errorf("line %d: Parse(%q): %v", lines, spec, err)
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, from)
			if err != nil {
				t.Fatalf("line %d: %v", lines, err)
			}
			at = at.In(loc)
			for _, w := range want {
				n, got := s.Next(at), "none"
				if !n.IsZero() {
					got = n.Format(time.RFC3339Nano)
				}
				if got != w {
					t.Errorf("line %d: %q in %s: next after %s is %s; want %s", lines, spec, zone, at.Format(time.RFC3339Nano), got, w)
					break
				}
				at = n
			}
		default:
			t.Fatalf("line %d: unknown kind %q", lines, cols[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if nexts < 1000 || refused < 40 {
		t.Fatalf("%d next and %d refused lines; the file is cut short", nexts, refused)
	}
}
