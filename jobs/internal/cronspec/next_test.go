package cronspec

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// ticks returns the first n ticks of spec in loc after from.
func ticks(t *testing.T, spec string, loc *time.Location, from time.Time, n int) []time.Time {
	t.Helper()
	s, err := Parse(spec, loc)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for at := from; len(out) < n; {
		at = s.Next(at)
		if at.IsZero() {
			break
		}
		out = append(out, at)
	}
	return out
}

func wantTicks(t *testing.T, what string, got []time.Time, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d ticks %v; want %v", what, len(got), got, want)
	}
	for i, g := range got {
		if s := g.Format(time.RFC3339); s != want[i] {
			t.Fatalf("%s: tick %d is %s; want %s (all: %v)", what, i, s, want[i], got)
		}
	}
}

// The clock times that daylight saving time skips do not tick that day;
// the ones it repeats tick at each occurrence, as they did before (the
// golden file holds many more).
func TestNextAcrossDaylightSaving(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	wantTicks(t, "02:30 on the day 02:00-03:00 is skipped", ticks(t, "30 2 * * *", paris, time.Date(2030, 3, 30, 12, 0, 0, 0, paris), 2),
		"2030-04-01T02:30:00+02:00", "2030-04-02T02:30:00+02:00")
	wantTicks(t, "hourly over the skipped hour", ticks(t, "0 * * * *", paris, time.Date(2030, 3, 31, 0, 30, 0, 0, paris), 3),
		"2030-03-31T01:00:00+01:00", "2030-03-31T03:00:00+02:00", "2030-03-31T04:00:00+02:00")
	wantTicks(t, "02:30 on the day 02:00-03:00 comes twice", ticks(t, "30 2 * * *", paris, time.Date(2030, 10, 26, 23, 0, 0, 0, paris), 3),
		"2030-10-27T02:30:00+02:00", "2030-10-27T02:30:00+01:00", "2030-10-28T02:30:00+01:00")
	wantTicks(t, "hourly over the repeated hour", ticks(t, "0 * * * *", paris, time.Date(2030, 10, 27, 1, 30, 0, 0, paris), 3),
		"2030-10-27T02:00:00+02:00", "2030-10-27T02:00:00+01:00", "2030-10-27T03:00:00+01:00")
	saoPaulo := mustZone(t, "America/Sao_Paulo")
	wantTicks(t, "midnight on the day midnight was skipped", ticks(t, "0 0 * * *", saoPaulo, time.Date(2018, 11, 3, 21, 0, 0, 0, saoPaulo), 2),
		"2018-11-05T00:00:00-02:00", "2018-11-06T00:00:00-02:00")
}

// Samoa skipped 30 December 2011 whole. The old parser looped forever
// looking for a day there; Next goes on to the 31st.
func TestNextOverASkippedDay(t *testing.T) {
	apia := mustZone(t, "Pacific/Apia")
	wantTicks(t, "noon on the 30th or 31st", ticks(t, "0 12 30,31 * *", apia, time.Date(2011, 12, 28, 0, 0, 0, 0, apia), 2),
		"2011-12-31T12:00:00+14:00", "2012-01-30T12:00:00+14:00")
	wantTicks(t, "Saturdays", ticks(t, "0 12 * * SAT", apia, time.Date(2011, 12, 26, 0, 0, 0, 0, apia), 2),
		"2011-12-31T12:00:00+14:00", "2012-01-07T12:00:00+14:00")
}

// Next answers in the location it was asked in, whatever the schedule's.
func TestNextKeepsTheCallersLocation(t *testing.T) {
	tokyo, paris := mustZone(t, "Asia/Tokyo"), mustZone(t, "Europe/Paris")
	s, err := Parse("0 9 * * *", paris)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Next(time.Date(2030, 6, 1, 12, 0, 0, 0, tokyo))
	if got.Location() != tokyo || got.Format(time.RFC3339) != "2030-06-01T16:00:00+09:00" {
		t.Fatalf("next is %s in %s; want 09:00 in Paris, 16:00 in Tokyo", got.Format(time.RFC3339), got.Location())
	}
}

// @every ticks on multiples of its interval, so every process agrees
// whenever it asks.
func TestNextEveryIsAligned(t *testing.T) {
	s, err := Parse("@every 90s", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	a := s.Next(time.Date(2030, 1, 1, 0, 0, 10, 0, time.UTC))
	b := s.Next(time.Date(2030, 1, 1, 0, 0, 50, 0, time.UTC))
	if !a.Equal(b) || !a.Truncate(90*time.Second).Equal(a) {
		t.Fatalf("@every 90s from 00:00:10 and 00:00:50: %s and %s; want the same multiple of 90s", a, b)
	}
}

// A leap day more than five years off is "none yet", as before: 2100 is
// no leap year.
func TestNextSearchesFiveYears(t *testing.T) {
	s, err := Parse("0 0 29 2 *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(time.Date(2097, 1, 1, 0, 0, 0, 0, time.UTC)); !got.IsZero() {
		t.Fatalf("from 2097: %s; want none within five years", got)
	}
	if got := s.Next(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)); got.Format(time.RFC3339) != "2104-02-29T00:00:00Z" {
		t.Fatalf("from 2099: %s; want 2104-02-29", got)
	}
}
