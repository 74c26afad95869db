package cronspec

import "time"

// searchYears bounds how far Next looks. It is the old parser's bound,
// kept so that Next answers as it did: the zero time only for a leap day
// more than five years off (29 February from 2097, as 2100 is no leap
// year), which jobs reads as "none yet" and asks again later.
const searchYears = 5

// Next returns the first tick after t, in t's location, or the zero time
// if none falls within five years. @every ticks are aligned to multiples
// of the interval since the zero time, not to t, so every process that
// asks gets the same ticks. Next is safe for concurrent use.
//
// The search moves one field at a time from the month down, as the old
// parser did, with the same operations on the schedule's local time, so
// that daylight saving time gives the same ticks: a tick in the hour that
// the clocks skip does not happen that day, and the clock time of a tick
// moves with the day's midnight where midnight is skipped.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		return t.Truncate(s.every).Add(s.every)
	}
	orig := t.Location()
	t = t.In(s.loc)
	// Ticks fall on whole seconds, strictly after t.
	t = t.Add(time.Second - time.Duration(t.Nanosecond()))
	limit := t.Year() + searchYears
	// Until a field moves, the ones below it keep t's values; once one
	// has, the search starts each lower field at its lowest value.
	moved := false
	reset := func(to time.Time) {
		if !moved {
			moved, t = true, to
		}
	}
search:
	for t.Year() <= limit {
		for !s.month.has(int(t.Month())) {
			reset(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, s.loc))
			t = t.AddDate(0, 1, 0)
			if t.Month() == time.January {
				continue search
			}
		}
		for !s.dayMatches(t) {
			reset(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.loc))
			prev := t
			t = toMidnight(t.AddDate(0, 0, 1))
			if !t.After(prev) {
				// The next day was skipped whole (Samoa's 30 December
				// 2011), and time.Date gave back this one: the old parser
				// looped forever here. A day of clock time later is past
				// the gap.
				t = toMidnight(prev.Add(24 * time.Hour))
			}
			if t.Day() == 1 {
				continue search
			}
		}
		for !s.hour.has(t.Hour()) {
			reset(time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, s.loc))
			t = t.Add(time.Hour)
			if t.Hour() == 0 {
				continue search
			}
		}
		for !s.minute.has(t.Minute()) {
			reset(t.Truncate(time.Minute))
			t = t.Add(time.Minute)
			if t.Minute() == 0 {
				continue search
			}
		}
		for !s.second.has(t.Second()) {
			reset(t.Truncate(time.Second))
			t = t.Add(time.Second)
			if t.Second() == 0 {
				continue search
			}
		}
		return t.In(orig)
	}
	return time.Time{}
}

// toMidnight moves a time that should be a midnight but is not, because
// the clocks skipped or repeated it, back to the day's first hour or on
// to the next day's.
func toMidnight(t time.Time) time.Time {
	switch h := t.Hour(); {
	case h == 0:
		return t
	case h > 12:
		return t.Add(time.Duration(24-h) * time.Hour)
	default:
		return t.Add(-time.Duration(h) * time.Hour)
	}
}

// dayMatches applies cron's rule for the two day fields: when either is
// written * (or ?), the day must match both, which is to say the other;
// when both are restricted, a day matching either will do ("0 0 1 * MON"
// runs on the first of the month and on Mondays).
func (s *Schedule) dayMatches(t time.Time) bool {
	dom, dow := s.dom.has(t.Day()), s.dow.has(int(t.Weekday()))
	if s.domStar || s.dowStar {
		return dom && dow
	}
	return dom || dow
}
