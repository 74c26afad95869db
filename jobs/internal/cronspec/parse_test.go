package cronspec

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseRefusesWithReasons(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"", "empty expression; want 5 fields"},
		{"* * *", "3 fields; want 5 fields"},
		{"* * * * * * *", "7 fields; want 5 fields"},
		{"61 * * * *", `minute field "61": 61 is above 59; it accepts 0-59`},
		{"75 * * * * *", `second field "75": 75 is above 59`},
		{"* 24 * * *", `hour field "24": 24 is above 23; it accepts 0-23`},
		{"* * 0 * *", `day-of-month field "0": 0 is below 1; it accepts 1-31 or ?`},
		{"* * * 13 *", `month field "13": 13 is above 12; it accepts 1-12 or JAN-DEC`},
		{"* * * * 7", `day-of-week field "7": 7 is above 6; it accepts 0-6 (0 is Sunday) or SUN-SAT`},
		{"* * * * MON-XYZ", `day-of-week field "MON-XYZ": "XYZ" is not a value`},
		{"* * * JAN-FOO *", `month field "JAN-FOO": "FOO" is not a value`},
		{"* * MON * *", `day-of-month field "MON": "MON" is not a value`},
		{"5-1 * * * *", `minute field "5-1": range 5-1 runs backwards`},
		{"*/0 * * * *", `minute field "*/0": step "0" is not a whole number of at least 1`},
		{"*/x * * * *", `step "x"`},
		{"1-2-3 * * * *", `"1-2-3" has more than one -`},
		{"1/2/3 * * * *", `"1/2/3" has more than one /`},
		{"*-5 * * * *", `minute field "*-5": "*-5": * already means every value`},
		{"?-5/2 * * * *", `? already means every value`},
		{", * * * *", `minute field ",": it names no value`},
		{"0 0 30 2 *", `never fires: day-of-month field "30" names no day that the months of month field "2" have`},
		{"0 0 31 APR,JUN,SEP,NOV ?", "never fires"},
		{"0 0 30-31 FEB *", "never fires"},
		{"0 0 31 */2 *", ""}, // January, March...: fires
		{"@reboot", `descriptor "@reboot" is not known; want @yearly`},
		{"@every", `descriptor "@every" is not known`},
		{"@every 1y", `descriptor "@every 1y": "1y" is not a duration`},
		{"@every 0s", "want an interval of at least 1s, in whole seconds"},
		{"@every -1s", "at least 1s"},
		{"@every 1ns", "at least 1s"},
		{"@every 1500ms", "in whole seconds"},
		{"TZ=Mars/Olympus * * * * *", `time zone "Mars/Olympus" is not known: want an IANA zone name`},
		{"CRON_TZ= * * * * *", `time zone "" is not known`},
		{"TZ=UTC", `nothing after "TZ=UTC"`},
		{"TZ=UTC TZ=Asia/Tokyo * * * * *", `a second time zone after "TZ=UTC"`},
	} {
		_, err := Parse(tc.spec, time.UTC)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Parse(%q): %v; want it accepted", tc.spec, err)
		case tc.want == "":
		case err == nil:
			t.Errorf("Parse(%q) accepted; want an error with %q", tc.spec, tc.want)
		case !strings.Contains(err.Error(), tc.want):
			t.Errorf("Parse(%q): %v; want an error with %q", tc.spec, err, tc.want)
		case !strings.Contains(err.Error(), "want") && !strings.Contains(err.Error(), "accepts"):
			t.Errorf("Parse(%q): %v; want what is accepted in the error", tc.spec, err)
		}
	}
}

func TestParseQuotesBadBytesAsValidUTF8(t *testing.T) {
	for _, spec := range []string{"\xff * * * *", "* * * * \xfe", "@every \xff", "@\xff", "TZ=\xff * * * * *", "0 0 \xff,30 2 *"} {
		_, err := Parse(spec, time.UTC)
		if err == nil || !utf8.ValidString(err.Error()) {
			t.Errorf("Parse(%q): %q; want an error in valid UTF-8", spec, err)
		}
	}
}

func TestParseNeedsAZone(t *testing.T) {
	if _, err := Parse("* * * * *", nil); err == nil || !strings.Contains(err.Error(), "want a *time.Location") {
		t.Fatalf("Parse with a nil zone: %v; want an error asking for one", err)
	}
}

// What the old parser read loosely and meant plainly stays accepted.
func TestParseKeepsLooseForms(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // a Tuesday
	for _, tc := range []struct {
		spec string
		want time.Time
	}{
		{"1,,2 * * * *", at.Add(time.Minute)},
		{"+5 * * * *", at.Add(5 * time.Minute)},
		{"05 * * * *", at.Add(5 * time.Minute)},
		{"0 0 * * tHu", at.Add(2 * 24 * time.Hour)},
		{"0 0 * jan/2 *", at.Add(24 * time.Hour)},
		{"? ? ? ? ?", at.Add(time.Minute)},
		{"\t0   12 * * *\n", at.Add(12 * time.Hour)},
	} {
		s, err := Parse(tc.spec, time.UTC)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.spec, err)
			continue
		}
		if got := s.Next(at); !got.Equal(tc.want) {
			t.Errorf("%q: next after %s is %s; want %s", tc.spec, at, got, tc.want)
		}
	}
}

// A step bigger than any field leaves the start of its range, and a step
// near the largest int does not wrap round to loop forever.
func TestParseHugeSteps(t *testing.T) {
	s, err := Parse("7/9223372036854775807 * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if s.minute != 1<<7 {
		t.Fatalf("minutes %b; want only 7", s.minute)
	}
}
