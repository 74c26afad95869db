// Package storecheck holds the argument checks that every store
// implementation makes alike, so that their errors read the same.
package storecheck

import (
	"fmt"

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
