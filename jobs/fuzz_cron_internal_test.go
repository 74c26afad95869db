package jobs

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spindlehq/spindle/jobs/internal/cronspec"
)

// FuzzParseCron: parsing any text never panics; an error says what was
// wrong in valid UTF-8 and names what is accepted; an accepted spec
// fires, and its ticks always move forward in time. From 2030 in UTC every
// spec that fires at all has a tick within the five years Next searches
// (they hold the leap day of 2032).
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{
		"* * * * *", "*/5 * * * *", "0 9 * * MON-FRI", "*/10 * * * * *", "0 0 1 1 *", "@daily", "@every 1h30m",
		"@every 0s", "@every -1s", "CRON_TZ=Europe/Paris 0 9 * * *", "TZ=Nowhere/Else * * * * *", "60 * * * *",
		"* * * *", "* * * * * * *", "1-0 * * * *", "*/0 * * * *", "0 0 31 2 *", "? ? ? ? ?", "", "TZ=", "\xff * * * *",
		"0 0 29 2 *", "59 23 31 12 6", "@reboot", "a-b * * * *", "1,2,,3 * * * *",
	} {
		f.Add(s)
	}
	from := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		sched, err := cronspec.Parse(spec, time.UTC)
		if err != nil {
			msg := err.Error()
			if !utf8.ValidString(msg) {
				t.Fatalf("Parse(%q): error is not valid UTF-8: %q", spec, msg)
			}
			if !strings.Contains(msg, "want") && !strings.Contains(msg, "accept") {
				t.Fatalf("Parse(%q): %q does not say what is accepted", spec, msg)
			}
			return
		}
		at := from
		for range 3 {
			n := sched.Next(at)
			if n.IsZero() {
				t.Fatalf("Parse(%q) accepted it, but Next(%v) finds no tick", spec, at)
			}
			if !n.After(at) {
				t.Fatalf("Parse(%q): Next(%v) = %v, not after it", spec, at, n)
			}
			at = n
		}
	})
}
