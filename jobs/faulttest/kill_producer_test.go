//go:build fault

package faulttest

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Producer SIGKILL: a producer process enqueues jobs one by one and in
// batches of up to 20, writing the IDs of every enqueue that returned
// success to a file and fsyncing it before it goes on. It is killed at a
// random moment, 20 times; every acknowledged job must be in the store.
const producerKills = 20

func TestProducerSIGKILL(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		if !sk.shared {
			t.Skip("the memory store lives in one process: killing the producer kills the store")
		}
		testProducerSIGKILL(t, sk.name, sk.url(t))
	})
}

func testProducerSIGKILL(t *testing.T, storeName, url string) {
	ctx := testCtx(t, 3*time.Minute)
	c := openClient(t, url)
	queue := uniqueQueue("producer")
	ackPath := filepath.Join(t.TempDir(), "acks")
	acked := 0
	for round := range producerKills {
		p := startChild(t, "producer", []string{envURL + "=" + url, envQueue + "=" + queue, envAck + "=" + ackPath}, nil)
		p.waitReady(t)
		// Kill after a random number of acknowledgements, mid-stream.
		want := acked + 20 + rand.IntN(300)
		for {
			ids, _ := readAcks(t, ackPath)
			if len(ids["E"]) >= want {
				break
			}
			select {
			case <-p.done:
				t.Fatalf("round %d: producer exited: %v\n%s", round, p.err, p.stderrText())
			case <-ctx.Done():
				t.Fatalf("round %d: producer too slow", round)
			case <-time.After(time.Duration(rand.IntN(3)) * time.Millisecond):
			}
		}
		p.kill(t)
		ids, cut := readAcks(t, ackPath)
		acked = len(ids["E"])
		missing := 0
		for _, id := range ids["E"] {
			if _, err := c.Inspect().Job(ctx, id); err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("round %d: %d of %d acknowledged jobs are not in the store", round, missing, acked)
		}
		if cut > 0 {
			t.Logf("round %d: %d acknowledgement lines cut short by the kills so far", round, cut)
		}
	}
	stored := storedIn(t, c, queue)
	report(t, "producer-sigkill", storeName, "kills", producerKills, "acknowledged", acked, "missing", 0,
		"stored", stored, "stored_unacknowledged", stored-acked)
	// The enqueues in flight at each kill may have committed without
	// being acknowledged: at most one batch of 20 per kill.
	if stored < acked || stored-acked > producerKills*20 {
		t.Fatalf("%d jobs stored for %d acknowledged", stored, acked)
	}
}

// readAcks reads the acknowledgement file: the ids of the complete lines
// ("kind id ok") by kind, and how many lines a kill cut short.
func readAcks(t *testing.T, path string) (map[string][]string, int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	out := map[string][]string{}
	cut := 0
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "ok" {
			cut++
			continue
		}
		out[f[0]] = append(out[f[0]], f[1])
	}
	return out, cut
}

// storedIn counts the jobs of queue in any state.
func storedIn(t *testing.T, c *jobs.Client, queue string) int {
	t.Helper()
	qs, err := c.Inspect().Queues(testCtx(t, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, q := range qs {
		if q.Name == queue {
			for _, k := range q.Counts {
				n += k
			}
		}
	}
	return n
}
