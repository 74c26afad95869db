package redis_test

import (
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/storetest"
)

func TestConformance(t *testing.T) {
	redisURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openStore(t) })
}
