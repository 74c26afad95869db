package redis_test

import (
	"testing"

	"github.com/spindlehq/spindle/jobs/internal/crontest"
)

// mpTick is the periodic job of the cron test.
var mpTick = crontest.DefineTick("mp.tick")

// TestCronThreeWorkerProcesses runs crontest.Run with three worker
// children on one Redis namespace.
func TestCronThreeWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	c, url := openClient(t)
	var ps []crontest.Proc
	for range 3 {
		ch := startChild(t, "worker", url, childLeaseEnv+"=2s", childCronEnv+"="+crontest.EverySecond)
		ps = append(ps, crontest.Proc{Process: ch.cmd.Process, Exited: ch.done, Ready: func() { ch.waitReady(t) },
			Stop: func() { ch.stopWorker(t) }, Stdout: ch.stdout.String})
	}
	crontest.Run(t, c.Inspect(), mpTick.Name(), ps)
}
