package cronspec

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Schedule is a parsed expression: Next gives its ticks. It is immutable
// and safe for concurrent use.
type Schedule struct {
	second, minute, hour, dom, month, dow set
	// domStar and dowStar record a day field written as * or ?: see
	// dayMatches.
	domStar, dowStar bool
	loc              *time.Location
	// every is the interval of @every; the fields are unused then.
	every time.Duration
}

// Location returns the zone the ticks fall in: the one Parse was given,
// or the expression's CRON_TZ= or TZ= zone; nil for @every, whose ticks
// are intervals that no zone moves.
func (s *Schedule) Location() *time.Location { return s.loc }

// accepted is what an expression may be, for errors to quote.
const accepted = "want 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a descriptor (@yearly, @monthly, @weekly, @daily, @hourly, @every 1h30m), optionally after CRON_TZ=Zone or TZ=Zone"

const descriptors = "want @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every DURATION (such as @every 1h30m)"

// Parse reads spec, whose ticks fall in loc unless spec starts with
// CRON_TZ=Zone or TZ=Zone. An error names what is wrong and what is
// accepted, in valid UTF-8 whatever spec holds. Parse is a pure function,
// safe from any goroutine; it may read the system's zone database.
func Parse(spec string, loc *time.Location) (*Schedule, error) {
	if loc == nil {
		return nil, errors.New("no time zone; want a *time.Location such as time.UTC")
	}
	body := strings.TrimSpace(spec)
	if body == "" {
		return nil, fmt.Errorf("empty expression; %s", accepted)
	}
	if hasZone(body) {
		zone, rest, _ := strings.Cut(body, " ")
		_, name, _ := strings.Cut(zone, "=")
		l, err := time.LoadLocation(name)
		if err != nil || name == "" {
			return nil, fmt.Errorf("time zone %q is not known: want an IANA zone name such as Europe/Paris or UTC", name)
		}
		loc, body = l, strings.TrimSpace(rest)
		if body == "" {
			return nil, fmt.Errorf("nothing after %q; %s", zone, accepted)
		}
		if hasZone(body) {
			return nil, fmt.Errorf("a second time zone after %q; want one CRON_TZ=Zone or TZ=Zone, then the expression", zone)
		}
	}
	if strings.HasPrefix(body, "@") {
		return parseDescriptor(body, loc)
	}
	return parseFields(body, loc)
}

func hasZone(s string) bool {
	return strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=")
}

// parseFields reads five or six fields; five mean a seconds field of 0.
func parseFields(body string, loc *time.Location) (*Schedule, error) {
	texts := strings.Fields(body)
	switch len(texts) {
	case 5:
		texts = append([]string{"0"}, texts...)
	case 6:
	default:
		return nil, fmt.Errorf("%d fields; %s", len(texts), accepted)
	}
	s := &Schedule{loc: loc}
	sets := [6]*set{&s.second, &s.minute, &s.hour, &s.dom, &s.month, &s.dow}
	for i, f := range fields {
		bits, star, err := f.parse(texts[i])
		if err != nil {
			return nil, err
		}
		*sets[i] = bits
		switch f {
		case &domField:
			s.domStar = star
		case &dowField:
			s.dowStar = star
		}
	}
	if err := s.checkFires(texts[3], texts[4]); err != nil {
		return nil, err
	}
	return s, nil
}

// parseDescriptor reads @yearly and its kin, and @every DURATION.
func parseDescriptor(body string, loc *time.Location) (*Schedule, error) {
	// Midnight on the first second; the fields left at every value were
	// written * and say so, for dayMatches.
	s := &Schedule{second: 1, minute: 1, hour: 1, dom: 1 << 1, month: all(&monthField), dow: all(&dowField), loc: loc}
	switch body {
	case "@yearly", "@annually":
		s.month = 1 << 1
		s.dowStar = true
	case "@monthly":
		s.dowStar = true
	case "@weekly":
		s.dom, s.dow = all(&domField), 1<<0
		s.domStar = true
	case "@daily", "@midnight":
		s.dom = all(&domField)
		s.domStar, s.dowStar = true, true
	case "@hourly":
		s.hour, s.dom = all(&hourField), all(&domField)
		s.domStar, s.dowStar = true, true
	default:
		text, ok := strings.CutPrefix(body, "@every ")
		if !ok {
			return nil, fmt.Errorf("descriptor %q is not known; %s", body, descriptors)
		}
		return parseEvery(body, text)
	}
	return s, nil
}

// parseEvery reads the interval of @every. Under a second, or with a
// fraction of one, the old parser ran it at whole seconds instead: it is
// refused rather than run at another interval than written.
func parseEvery(body, text string) (*Schedule, error) {
	d, err := time.ParseDuration(text)
	if err != nil {
		return nil, fmt.Errorf("descriptor %q: %q is not a duration; %s", body, text, descriptors)
	}
	if d < time.Second || d%time.Second != 0 {
		return nil, fmt.Errorf("descriptor %q: want an interval of at least 1s, in whole seconds (such as @every 1s or @every 1h30m)", body)
	}
	return &Schedule{every: d}, nil
}

// all is every value of f.
func all(f *field) set {
	var s set
	for v := f.min; v <= f.max; v++ {
		s |= 1 << uint(v)
	}
	return s
}
