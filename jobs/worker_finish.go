package jobs

import (
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// finishBatchMax caps how many outcomes one Finish call records.
const finishBatchMax = 512

// finalFlushBudget bounds how long a stopping worker keeps retrying to
// record its last outcomes; past it the leases expire and the jobs run
// again elsewhere.
const finalFlushBudget = 5 * time.Second

// finisher is the component that records outcomes in batches: while one
// Finish is in flight the next outcomes gather, so under load one write
// records hundreds of jobs and when idle an outcome is written at once.
// It stops once its input is closed and everything sent was recorded (or
// given up on: see workerRun.write).
type finisher struct {
	outcomes chan store.Outcome
	record   func(batch []store.Outcome)
	done     chan struct{}
}

func newFinisher(capacity int, record func([]store.Outcome)) *finisher {
	return &finisher{outcomes: make(chan store.Outcome, capacity), record: record}
}

func (f *finisher) start() {
	f.done = make(chan struct{})
	go func() {
		defer close(f.done)
		f.loop()
	}()
}

// halt closes the input and waits for the last batch to be recorded. No
// outcome may be sent after it is called.
func (f *finisher) halt() {
	close(f.outcomes)
	<-f.done
}

func (f *finisher) loop() {
	batch := make([]store.Outcome, 0, finishBatchMax)
	for o := range f.outcomes {
		batch = append(batch[:0], o)
	drain:
		for len(batch) < finishBatchMax {
			select {
			case o, ok := <-f.outcomes:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		f.record(batch)
	}
}

// finish records one batch, then forgets its jobs' leases whatever came
// of it: written, given up on at shutdown, or refused by the store.
func (r *workerRun) finish(batch []store.Outcome) {
	r.record(batch)
	r.held.forgetOutcomes(batch)
}

// record writes batch. When the store refuses it for its data (one
// outcome it cannot hold), repeating the same write would fail forever
// while every later outcome waited behind it: the batch is split in
// halves, written apart, until the outcome it refuses stands alone and
// is replaced by the job's failure. The healthy outcomes of a batch of n
// are written after at most about 2·log2(n) refused writes.
func (r *workerRun) record(batch []store.Outcome) {
	err := r.write(batch)
	if !errors.Is(err, store.ErrRejected) {
		return
	}
	if len(batch) > 1 {
		half := len(batch) / 2
		r.record(batch[:half])
		r.record(batch[half:])
		return
	}
	r.refused(batch[0], err)
}

// write calls Finish until it succeeds, retrying the failures a repeat
// may cure (a lost connection, a busy database). It returns nil once the
// batch is written; the error of a write the store refused
// (store.ErrRejected), for the caller to isolate; or the last error when
// it gave up (the store closed, or a stopping worker's finalFlushBudget
// ran out), leaving the jobs' leases to expire.
func (r *workerRun) write(batch []store.Outcome) error {
	var deadline time.Time
	for attempt := 1; ; attempt++ {
		lost, err := r.st.Finish(r.storeCtx, batch)
		if err == nil {
			if len(lost) > 0 {
				r.log.Warn("jobs: worker: outcomes dropped: leases lost (the jobs were recovered and may run again)", "worker", r.opts.ID, "jobs", lost)
			}
			r.wakeAfter(batch)
			return nil
		}
		if errors.Is(err, store.ErrRejected) {
			r.log.Warn("jobs: worker: the store refused a batch of outcomes; writing them apart", "worker", r.opts.ID, "jobs", len(batch), "err", err)
			return err
		}
		stopping := r.pool.stoppingNow()
		if stopping && deadline.IsZero() {
			deadline = time.Now().Add(finalFlushBudget)
		}
		if errors.Is(err, store.ErrClosed) || (stopping && time.Now().After(deadline)) {
			r.log.Error("jobs: worker: could not record outcomes; the jobs will run again after their leases expire", "worker", r.opts.ID, "jobs", len(batch), "err", err)
			return err
		}
		r.log.Warn("jobs: worker: recording outcomes failed; retrying", "worker", r.opts.ID, "jobs", len(batch), "err", err, "attempt", attempt)
		time.Sleep(min(time.Duration(attempt)*10*time.Millisecond, time.Second))
	}
}

// refused records, in place of an outcome the store refused, the job's
// failure with an error saying why: dead, since running it again would
// likely end in the same outcome. Should the store refuse that too, the
// job is left to its lease, which expires and returns it to its queue,
// rather than retried here forever. A refused give-back is left to its
// lease at once: it carries nothing to replace.
func (r *workerRun) refused(o store.Outcome, cause error) {
	a := r.held.get(o.ID)
	if o.State == store.Queued || a == nil {
		r.log.Error("jobs: worker: the store refused a job's outcome; it runs again after its lease expires", "worker", r.opts.ID, "job", o.ID, "state", o.State, "err", cause)
		return
	}
	j := a.job
	t := o.FinishedAt
	if t.IsZero() {
		t = now()
	}
	what := fmt.Sprintf("%d bytes of error text", len(o.Error))
	if o.State == store.Succeeded {
		what = fmt.Sprintf("a result of %d bytes", len(o.Result))
	}
	err := Permanent(fmt.Errorf("jobs: the store could not record this attempt's outcome (%s, %s), so the job is dead instead: %w", o.State, what, cause))
	repl := store.Outcome{ID: o.ID, Owner: o.Owner, State: store.Dead, Error: r.w.c.errorText(err.Error()), FinishedAt: t, RetainUntil: r.retainUntil(r.w.defs[j.Name], t)}
	r.log.Error("jobs: worker: the store refused a job's outcome; recording the job as dead", "worker", r.opts.ID, "job", o.ID, "state", o.State, "err", cause)
	if werr := r.write([]store.Outcome{repl}); werr != nil {
		if errors.Is(werr, store.ErrRejected) {
			r.log.Error("jobs: worker: the store refused a job's failure too; it runs again after its lease expires", "worker", r.opts.ID, "job", o.ID, "err", werr)
		}
		return
	}
	r.w.c.bus.emit(Event{Kind: EventDeadLettered, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Err: err, At: t})
}
