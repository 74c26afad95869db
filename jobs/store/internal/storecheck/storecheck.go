// Package storecheck holds the argument checks that every store
// implementation makes alike, so that their errors read the same, and
// the small orderings and tallies their results share. Every function is
// pure and safe for concurrent use; a [QueueTally] belongs to one
// goroutine.
package storecheck

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
)

// Outcome reports what is wrong with outcomes[i] of a Finish, or nil.
// name prefixes the error ("sqlite", "postgres", "redis"). The error
// matches store.ErrRejected: the same outcome is refused every time.
func Outcome(name string, i int, o store.Outcome) error {
	switch {
	case o.ID == "":
		return fmt.Errorf("%s: finish: outcomes[%d] has an empty ID: %w", name, i, store.ErrRejected)
	case o.Owner == "":
		return fmt.Errorf("%s: finish job %s: empty Owner; want the worker holding the lease: %w", name, o.ID, store.ErrRejected)
	}
	switch o.State {
	case store.Succeeded, store.Scheduled, store.Dead, store.Canceled, store.Expired, store.Queued:
		return nil
	}
	return fmt.Errorf("%s: finish job %s: State %q; want %q, %q, %q, %q, %q or %q (give back): %w",
		name, o.ID, o.State, store.Succeeded, store.Scheduled, store.Dead, store.Canceled, store.Expired, store.Queued, store.ErrRejected)
}

// Outcomes checks every outcome of a Finish with [Outcome], so that a
// batch with a bad outcome applies nothing.
func Outcomes(name string, outcomes []store.Outcome) error {
	for i, o := range outcomes {
		if err := Outcome(name, i, o); err != nil {
			return err
		}
	}
	return nil
}

// Lease reports what is wrong with the lease l given to Acquire at now,
// or nil: Key and Owner must not be empty and Until must be after now.
// name prefixes the error.
func Lease(name string, l store.Lease, now time.Time) error {
	switch {
	case l.Key == "":
		return fmt.Errorf("%s: acquire: empty Key; want the name of the lease", name)
	case l.Owner == "":
		return fmt.Errorf("%s: acquire %q: empty Owner; want who takes the lease", name, l.Key)
	case !l.Until.After(now):
		return fmt.Errorf("%s: acquire %q: Until %s is not after now %s; want a lease that ends in the future",
			name, l.Key, rfc3339(l.Until), rfc3339(now))
	}
	return nil
}

// Count reports what is wrong with a Count of counter key until until
// at now, or nil: key must not be empty and until must be after now (a
// window that already ended would restart at 1 on every call). name
// prefixes the error.
func Count(name, key string, until, now time.Time) error {
	switch {
	case key == "":
		return fmt.Errorf("%s: count: empty key; want the name of the counter", name)
	case !until.After(now):
		return fmt.Errorf("%s: count %q: until %s is not after now %s; want a window that ends in the future",
			name, key, rfc3339(until), rfc3339(now))
	}
	return nil
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// RevokeReason checks the reason given to Revoke job id and returns it
// as the store keeps it: cleaned by storetext.Clean, since it becomes the
// job's error text. An empty reason is an error (it is how the lease
// owner tells a revoked job from another); name prefixes it.
func RevokeReason(name, id, reason string) (string, error) {
	if reason == "" {
		return "", fmt.Errorf("%s: revoke %s: empty reason; want a non-empty reason saying why the job is revoked", name, id)
	}
	return storetext.Clean(reason), nil
}

// DefaultListLimit is the page size of a List whose Limit is 0, and
// MaxListLimit caps a page so one call cannot load a whole store.
const (
	DefaultListLimit = 100
	MaxListLimit     = 10000
)

// List checks a list request and returns its page size: req.Limit,
// DefaultListLimit for 0, at most MaxListLimit. name prefixes the error.
func List(name string, req store.ListRequest) (limit int, err error) {
	if req.State != "" && !req.State.Valid() {
		return 0, fmt.Errorf("%s: list: State %q; want empty or one of %v", name, req.State, store.States)
	}
	switch limit = req.Limit; {
	case limit < 0:
		return 0, fmt.Errorf("%s: list: Limit %d; want 0 (default %d) or a positive page size", name, limit, DefaultListLimit)
	case limit == 0:
		return DefaultListLimit, nil
	}
	return min(limit, MaxListLimit), nil
}

// Options applies the options opts of Open (or New) to o in order,
// skipping nil ones, and returns the first error.
func Options[O any, F ~func(*O) error](o *O, opts []F) error {
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return err
		}
	}
	return nil
}

// Claim checks a claim request and returns its queues and names sorted
// and without duplicates (names nil when the request claims any name).
// name prefixes the error; maxQueues is the store's bound on queues.
func Claim(name string, req store.ClaimRequest, maxQueues int) (queues, names []string, err error) {
	switch {
	case len(req.Queues) == 0:
		return nil, nil, fmt.Errorf("%s: claim: no Queues; want at least one queue name", name)
	case req.Limit < 1:
		return nil, nil, fmt.Errorf("%s: claim: Limit %d; want at least 1", name, req.Limit)
	case req.Owner == "":
		return nil, nil, fmt.Errorf("%s: claim: empty Owner; want the claiming worker's ID", name)
	}
	queues = Distinct(req.Queues)
	if len(queues) > maxQueues {
		return nil, nil, fmt.Errorf("%s: claim: %d queues; want at most %d", name, len(queues), maxQueues)
	}
	if slices.Contains(queues, "") {
		return nil, nil, fmt.Errorf("%s: claim: empty queue name in Queues %q", name, req.Queues)
	}
	names, err = Names(name, req.Names)
	return queues, names, err
}

// Names checks ClaimRequest.Names and returns them sorted and without
// duplicates, or nil for none (any name).
func Names(name string, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	if len(names) > store.MaxClaimNames {
		return nil, fmt.Errorf("%s: claim: %d Names; want at most %d", name, len(names), store.MaxClaimNames)
	}
	if slices.Contains(names, "") {
		return nil, fmt.Errorf("%s: claim: empty job name in Names", name)
	}
	// The worker passes its names sorted and distinct: no copy then.
	return Distinct(names), nil
}

// SortClaimed puts claimed jobs in the order Store.Claim returns them:
// highest Priority first, then earliest RunAt, then ID.
func SortClaimed(jobs []*store.Job) {
	slices.SortFunc(jobs, func(x, y *store.Job) int {
		if x.Priority != y.Priority {
			return cmp.Compare(y.Priority, x.Priority)
		}
		if c := x.RunAt.Compare(y.RunAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
}

// SortReadyNames puts counts in the order Store.ReadyNames returns them:
// by queue, then name.
func SortReadyNames(counts []store.ReadyName) {
	slices.SortFunc(counts, func(a, b store.ReadyName) int {
		if c := strings.Compare(a.Queue, b.Queue); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// Distinct returns ss sorted and without duplicates: ss itself when it
// already is, else a sorted copy (ss is never changed).
func Distinct(ss []string) []string {
	for i := 1; i < len(ss); i++ {
		if ss[i-1] >= ss[i] {
			ss = slices.Clone(ss)
			slices.Sort(ss)
			return slices.Compact(ss)
		}
	}
	return ss
}

// NewJob reports what is wrong with jobs[i] of an Insert, or nil: the
// fields no store could run a job without. name prefixes the error. The
// error matches store.ErrRejected: the same job is refused every time.
// An empty State means Queued.
func NewJob(name string, i int, j *store.Job) error {
	switch {
	case j == nil:
		return fmt.Errorf("%s: insert: jobs[%d] is nil: %w", name, i, store.ErrRejected)
	case j.ID == "":
		return fmt.Errorf("%s: insert: jobs[%d] has an empty ID; want a unique, time-ordered ID: %w", name, i, store.ErrRejected)
	case j.Name == "":
		return fmt.Errorf("%s: insert job %s: empty Name; want the name of the definition that runs it: %w", name, j.ID, store.ErrRejected)
	case j.Queue == "":
		return fmt.Errorf("%s: insert job %s: empty Queue; want a queue name: %w", name, j.ID, store.ErrRejected)
	case j.MaxAttempts < 1:
		return fmt.Errorf("%s: insert job %s: MaxAttempts is %d; want at least 1: %w", name, j.ID, j.MaxAttempts, store.ErrRejected)
	case j.State != "" && j.State != store.Queued && j.State != store.Scheduled:
		return fmt.Errorf("%s: insert job %s: State %q; want %q, %q or empty (queued): %w", name, j.ID, j.State, store.Queued, store.Scheduled, store.ErrRejected)
	case j.Retention < 0:
		return fmt.Errorf("%s: insert job %s: Retention %v; want zero (keep forever) or more: %w", name, j.ID, j.Retention, store.ErrRejected)
	}
	return nil
}

// ErrorHistory decodes the error history of job id as the stores keep
// it, a JSON array of store.AttemptError; empty, "[]" and "null" are no
// history (nil).
func ErrorHistory(id string, data []byte) ([]store.AttemptError, error) {
	if len(data) == 0 || string(data) == "[]" || string(data) == "null" {
		return nil, nil
	}
	var errs []store.AttemptError
	if err := json.Unmarshal(data, &errs); err != nil {
		return nil, fmt.Errorf("job %s: decode error history: %w", id, err)
	}
	return errs, nil
}

// NewCounts returns a count for every state in store.States, all zero.
func NewCounts() map[store.State]int {
	m := make(map[store.State]int, len(store.States))
	for _, st := range store.States {
		m[st] = 0
	}
	return m
}

// QueueTally gathers the rows of a count of jobs by queue and state into
// the QueueInfos that Store.Queues returns. The zero value is empty.
type QueueTally struct {
	byName map[string]*store.QueueInfo
}

// Add adds n jobs in state to queue.
func (t *QueueTally) Add(queue string, state store.State, n int) {
	t.queue(queue).Counts[state] += n
}

// Paused marks queue as paused (with no jobs unless added).
func (t *QueueTally) Paused(queue string) { t.queue(queue).Paused = true }

func (t *QueueTally) queue(name string) *store.QueueInfo {
	if t.byName == nil {
		t.byName = map[string]*store.QueueInfo{}
	}
	qi := t.byName[name]
	if qi == nil {
		qi = &store.QueueInfo{Name: name, Counts: NewCounts()}
		t.byName[name] = qi
	}
	return qi
}

// Queues returns the queues added to t, by name.
func (t *QueueTally) Queues() []store.QueueInfo {
	out := make([]store.QueueInfo, 0, len(t.byName))
	for _, qi := range t.byName {
		out = append(out, *qi)
	}
	SortQueues(out)
	return out
}

// SortQueues puts qs in the order Store.Queues returns them: by name.
func SortQueues(qs []store.QueueInfo) {
	slices.SortFunc(qs, func(a, b store.QueueInfo) int { return strings.Compare(a.Name, b.Name) })
}

// Stats returns the Stats of the queues qs without Oldest: Counts summed
// over them (every state present) and Queues their number.
func Stats(qs []store.QueueInfo) store.Stats {
	st := store.Stats{Counts: NewCounts(), Queues: len(qs)}
	for _, q := range qs {
		for state, n := range q.Counts {
			st.Counts[state] += n
		}
	}
	return st
}
