package postgres_test

import (
	"testing"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/internal/crontest"
)

// mpTick is the periodic job of the cron test.
var mpTick = crontest.DefineTick("pg.tick")

// TestCronThreeWorkerProcesses runs crontest.Run with three worker
// children on one PostgreSQL schema.
func TestCronThreeWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	url := schemaURL(t)
	c, err := jobs.Open(bg, url) // creates the schema before the children race
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ps []crontest.Proc
	for range 3 {
		ch := startChild(t, "worker", url, childLeaseEnv+"=2s", childCronEnv+"="+crontest.EverySecond)
		ps = append(ps, crontest.Proc{Process: ch.cmd.Process, Exited: ch.done, Ready: func() { ch.waitReady(t) },
			Stop: func() { ch.stop(t) }, Stdout: ch.stdout.String})
	}
	crontest.Run(t, c.Inspect(), mpTick.Name(), ps)
}
