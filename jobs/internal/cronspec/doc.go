// Package cronspec parses cron expressions and computes their ticks, for
// the periodic jobs of package jobs (Definition.Cron).
//
// It reads what jobs has always accepted: five fields (minute hour
// day-of-month month day-of-week), or six with seconds first; in each
// field *, ?, values, ranges a-b, lists a,b,c and steps */n, a-b/n or
// a/n; month names JAN-DEC and weekday names SUN-SAT in any case; the
// descriptors @yearly, @annually, @monthly, @weekly, @daily, @midnight
// and @hourly; @every DURATION; and a CRON_TZ=Zone or TZ=Zone prefix. The
// ticks are those of the third-party parser jobs used before, daylight
// saving time included (testdata/next.golden holds its answers and names
// it), so schedules keep their ticks across the change of parser.
//
// It refuses what that parser took and then never fired, or fired at
// another interval than the one written: a day that none of the months
// named has (30 February), @every under a second or with a fraction of
// one, a field that names no value (","), * used as the start of a range
// ("*-5", whose end was ignored), and a second time zone prefix (which
// was ignored). Errors name the field that is wrong and what it accepts.
//
// It lives under jobs/internal so that nothing outside this module
// depends on it.
package cronspec
