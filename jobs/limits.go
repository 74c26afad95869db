package jobs

import (
	"fmt"
	"math"
	"time"
)

// latestTime is the latest instant every store holds: SQLite keeps times
// as int64 Unix nanoseconds, and so does a job's metadata for the end of
// its unique lease. Past it SQLite clamps, the metadata wraps round to
// the 17th century, and PostgreSQL and Redis keep what they were given:
// the same job would behave differently on each store, so enqueue refuses
// it instead.
var latestTime = time.Unix(0, math.MaxInt64).UTC()

// checkReach refuses a job enqueued at t whose times, given or derived
// from durations, lie past latestTime. Earlier times need no bound: a
// past run time means at once and a past expiry means expired. It
// formats only on failure: Map runs it once a job.
func (c *enqueueConfig) checkReach(t time.Time) error {
	f := &c.feat
	if err := checkTime("At", c.at); err != nil {
		return err
	}
	if err := checkTime("ExpiresAt", f.expiresAt); err != nil {
		return err
	}
	most := latestTime.Sub(t)
	switch {
	case c.delay > most:
		return spanError(fmt.Sprintf("Delay(%v)", c.delay), "a delay", "the job runs", most)
	case f.expires > most:
		return spanError(fmt.Sprintf("Expires(%v)", f.expires), "an expiry", "the job expires", most)
	case f.uniqueTTL > most && f.uniqueArgs:
		return spanError(fmt.Sprintf("UniqueArgs(%v)", f.uniqueTTL), "a ttl", "the unique lease ends", most)
	case f.uniqueTTL > most:
		return spanError(fmt.Sprintf("Unique(%q, %v)", f.uniqueKey, f.uniqueTTL), "a ttl", "the unique lease ends", most)
	case f.lockWait > most:
		return spanError(fmt.Sprintf("LockRetry(%v)", f.lockWait), "a wait", "a job deferred by its lock runs", most)
	}
	return nil
}

func spanError(opt, want, end string, most time.Duration) error {
	return fmt.Errorf("%s: want %s of at most %v from now, so that %s by %s, the latest time every store holds",
		opt, want, most.Truncate(time.Second), end, latestTime.Format(time.RFC3339))
}

// checkTime refuses an instant that some store cannot hold; zero means
// unset.
func checkTime(opt string, at time.Time) error {
	if at.After(latestTime) {
		return fmt.Errorf("%s(%s): want a time no later than %s, the latest every store holds",
			opt, at.Format(time.RFC3339Nano), latestTime.Format(time.RFC3339))
	}
	return nil
}
