package postgres_test

import (
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// TestConformance runs the store suite, each subtest on a schema of its
// own that is dropped when it ends.
func TestConformance(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openStore(t) })
}
