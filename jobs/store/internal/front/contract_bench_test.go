package front

import (
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
)

// BenchmarkContractOverhead compares a call through Contract (gate,
// checks, interface call) with the same call made on the work directly:
// the difference is what every store call pays for the shared front.
func BenchmarkContractOverhead(b *testing.B) {
	w := &fakeWork{}
	var c Contract
	Init(&c, "x", 10, w)
	jobs := []*store.Job{{ID: "a"}}
	outcomes := []store.Outcome{{ID: "a", Owner: "o", State: store.Succeeded}}
	for _, bc := range []struct {
		name string
		call func()
	}{
		{"insert/direct", func() { _, _ = w.Insert(ctx, jobs) }},
		{"insert/contract", func() { _, _ = c.Insert(ctx, jobs) }},
		{"finish/direct", func() { _, _ = w.Finish(ctx, outcomes) }},
		{"finish/contract", func() { _, _ = c.Finish(ctx, outcomes) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.call()
			}
		})
	}
}
