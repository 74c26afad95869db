package dash

import "time"

// SetSampleClock makes h's sampler read the time from now, so a test
// drives the charts' time axis. Call it before any page opens.
func SetSampleClock(h *Handler, now func() time.Time) { h.hub.s.now = now }
