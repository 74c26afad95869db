// Package chunked runs the walks that stores make one chunk at a time
// (Purge and Prune delete a bounded number of jobs per statement, script
// or transaction), so that they all count, stop and fail alike: a walk
// that fails or is canceled part-way keeps the chunks it committed and
// reports how many jobs they held. Walk keeps no state and is safe for
// concurrent use.
package chunked

// Walk calls step until it reports no more chunks or an error, and
// returns the sum of what the steps counted, the failing step's count
// included, with that step's error. step runs on the caller's goroutine.
func Walk(step func() (n int, more bool, err error)) (int, error) {
	total := 0
	for {
		n, more, err := step()
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// Rows is how many jobs one chunk of a SQL store's Purge or Prune
// deletes: few enough that a chunk never holds its locks (row locks,
// SQLite's write lock) long enough to stall workers; between chunks,
// other writers get their turn.
const Rows = 1000
