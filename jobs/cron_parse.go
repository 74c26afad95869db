package jobs

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronFields describes each field of a six-field expression.
var cronFields = []struct{ name, accepts string }{
	{"second", "0-59"},
	{"minute", "0-59"},
	{"hour", "0-23"},
	{"day-of-month", "1-31 or ?"},
	{"month", "1-12 or JAN-DEC"},
	{"day-of-week", "0-6 (0 is Sunday) or SUN-SAT, or ?"},
}

const cronSyntax = "each field takes *, a value, a range a-b, a list a,b,c, or a step */n or a-b/n"

const cronAccepted = "want 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a descriptor (@yearly, @monthly, @weekly, @daily, @hourly, @every 1h30m), optionally after CRON_TZ=Zone or TZ=Zone"

// parseCron returns the tick function of spec, evaluated in loc unless
// spec names its own zone. Errors name the field that is wrong and what
// it accepts.
func parseCron(spec string, loc *time.Location) (func(time.Time) time.Time, error) {
	body := strings.TrimSpace(spec)
	if body == "" {
		return nil, fmt.Errorf("empty expression; %s", cronAccepted)
	}
	if strings.HasPrefix(body, "TZ=") || strings.HasPrefix(body, "CRON_TZ=") {
		zone, rest, _ := strings.Cut(body, " ")
		_, name, _ := strings.Cut(zone, "=")
		l, err := time.LoadLocation(name)
		if err != nil || name == "" {
			return nil, fmt.Errorf("time zone %q is not known: want an IANA zone name such as Europe/Paris or UTC", name)
		}
		loc, body = l, strings.TrimSpace(rest)
		if body == "" {
			return nil, fmt.Errorf("nothing after %s; %s", zone, cronAccepted)
		}
	}
	sched, err := cronParser.Parse(body)
	if err != nil {
		return nil, explainCron(body, err)
	}
	switch s := sched.(type) {
	case *cron.SpecSchedule:
		s.Location = loc
		return s.Next, nil
	case cron.ConstantDelaySchedule:
		// Aligned to fixed instants, not to when a worker started, so all
		// workers compute the same ticks.
		d := s.Delay
		return func(t time.Time) time.Time { return t.Truncate(d).Add(d) }, nil
	default:
		return sched.Next, nil
	}
}

// explainCron finds which field of body the parser rejected.
func explainCron(body string, err error) error {
	if strings.HasPrefix(body, "@") {
		return fmt.Errorf("descriptor %q: %s; want @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every DURATION (such as @every 1h30m)", body, parserSays(err))
	}
	fields := strings.Fields(body)
	if len(fields) != 5 && len(fields) != 6 {
		return fmt.Errorf("%d fields; %s", len(fields), cronAccepted)
	}
	offset := 0
	if len(fields) == 5 {
		offset = 1 // no seconds
	}
	for i, f := range fields {
		probe := make([]string, len(fields))
		for k := range probe {
			probe[k] = "*"
		}
		probe[i] = f
		if _, perr := cronParser.Parse(strings.Join(probe, " ")); perr != nil {
			fd := cronFields[i+offset]
			return fmt.Errorf("%s field %q: %s; it accepts %s (%s)", fd.name, f, parserSays(perr), fd.accepts, cronSyntax)
		}
	}
	return fmt.Errorf("%s; %s", parserSays(err), cronAccepted)
}

// parserSays is the cron parser's complaint made safe to print: it quotes
// the spec's bytes as they came, which need not be valid UTF-8.
func parserSays(err error) string {
	return strings.ToValidUTF8(err.Error(), "\ufffd")
}
