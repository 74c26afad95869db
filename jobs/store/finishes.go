package store

import "context"

// Among is how a client waiting for many jobs checks them: one call, one
// round trip (one query, one script), however many jobs it names, so that
// what waiting costs the store grows with the number of checks and not
// with the number of jobs awaited.
type Among interface {
	// FinishedAmong returns, of the jobs ids names, those in a final
	// state, read whole as Get reads them, and the IDs of those that do
	// not exist. Jobs that exist and are not final are in neither list.
	// ids may hold thousands of IDs, and repeats; each job is reported
	// at most once, in no particular order. Safe for concurrent use;
	// honours ctx like every method of Store.
	FinishedAmong(ctx context.Context, ids []string) (final []*Job, missing []string, err error)
}

// FinishWatch is one subscriber's watch over the finishes of many jobs
// (Notifier.WatchFinishes): a single subscription, whatever the number of
// jobs it watches, that a client drains from one goroutine. Its methods
// are safe for concurrent use and never block on the store.
type FinishWatch interface {
	// C receives a value, coalesced, whenever Take has something to
	// report. It is closed when the store closes; Take then reports all.
	C() <-chan struct{}

	// Add watches ids. A finish that commits after Add returns is
	// reported by Take, so a caller that adds, then reads the jobs
	// (FinishedAmong), then waits, misses none.
	Add(ids ...string)

	// Remove stops watching ids and forgets what was reported of them.
	Remove(ids ...string)

	// Take returns, and forgets, what happened since the last Take:
	// fired holds the watched jobs that may have reached a final state
	// or been deleted, each with the final job when the signal carried
	// it (shared: do not modify it) and nil otherwise, when the caller
	// confirms with FinishedAmong. all is true when the store cannot say
	// which jobs changed (its subscription was re-established, jobs were
	// purged, a signal was unreadable, the store closed): every watched
	// job must be checked again.
	Take() (fired map[string]*Job, all bool)

	// Stop ends the watch and releases what it holds. It may be called
	// any number of times.
	Stop()
}
