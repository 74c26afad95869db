package jobtype

// State is where a job is in its life.
type State string

const (
	// Scheduled jobs wait for RunAt: a delay, an ETA, or a retry backoff.
	Scheduled State = "scheduled"
	// Queued jobs are ready to be claimed.
	Queued State = "queued"
	// Running jobs are claimed by a worker and hold a lease.
	Running State = "running"
	// Succeeded jobs finished without error; Result holds the output.
	Succeeded State = "succeeded"
	// Dead jobs failed their last attempt (or failed in a way retries
	// cannot fix) and are kept for inspection and manual retry.
	Dead State = "dead"
	// Canceled jobs were revoked before they finished.
	Canceled State = "canceled"
	// Expired jobs were not started before their deadline.
	Expired State = "expired"
)

// States lists every state in life order.
var States = []State{Scheduled, Queued, Running, Succeeded, Dead, Canceled, Expired}

// Final reports whether no further transition happens without a user
// action (retry).
func (s State) Final() bool {
	return s == Succeeded || s == Dead || s == Canceled || s == Expired
}

// Valid reports whether s is one of [States].
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}
