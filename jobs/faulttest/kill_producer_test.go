//go:build fault

package faulttest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// Producer SIGKILL: a producer process enqueues jobs one by one and in
// batches of up to 20, writing the IDs of every enqueue that returned
// success to a file and fsyncing it before it goes on. It is killed at a
// random moment, 20 times; every acknowledged job must be in the store.
const producerKills = 20

// singleProducer is the shape of TestProducerSIGKILL.
var singleProducer = producerKill{
	fault: "producer-sigkill", producers: 1, kills: producerKills,
	minAcks: 20, spreadAcks: 300, inFlight: 20,
}

func TestProducerSIGKILL(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		if !sk.shared {
			t.Skip("the memory store lives in one process: killing the producer kills the store")
		}
		testProducerSIGKILL(t, sk.name, sk.url(t), singleProducer)
	})
}

// producerKill shapes a producer kill test.
type producerKill struct {
	fault     string // the name in the report
	producers int    // goroutines enqueuing on the child's one client
	kills     int
	// A kill comes once minAcks to minAcks+spreadAcks more enqueues have
	// been acknowledged since the last one.
	minAcks, spreadAcks int
	// inFlight bounds the jobs a kill of one producer can leave stored
	// but unacknowledged: what its call in flight carries. Several
	// producers count their unanswered calls instead.
	inFlight int
	// restart, when set, restarts the store's server after the last
	// kill; the acknowledged jobs must survive that too.
	restart func(t *testing.T)
	// extra is appended to the report line.
	extra []any
}

// childWrites tallies the "B size" and "C" lines of a producer child:
// the client's enqueue writes and the calls started.
type childWrites struct {
	mu                     sync.Mutex
	writes, calls, maxCall int // writes, the calls they carried, the most one carried
	started                int
}

func (w *childWrites) line(l string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if l == "C" {
		w.started++
		return
	}
	if size, ok := strings.CutPrefix(l, "B "); ok {
		n, _ := strconv.Atoi(size)
		w.writes++
		w.calls += n
		w.maxCall = max(w.maxCall, n)
	}
}

func testProducerSIGKILL(t *testing.T, storeName, url string, pk producerKill) {
	ctx := testCtx(t, 3*time.Minute)
	c := openClient(t, url)
	queue := uniqueQueue("producer")
	ackPath := filepath.Join(t.TempDir(), "acks")
	env := []string{envURL + "=" + url, envQueue + "=" + queue, envAck + "=" + ackPath, envProducers + "=" + strconv.Itoa(pk.producers)}
	var tally childWrites
	var acked []string
	for round := range pk.kills {
		p := startChild(t, "producer", env, tally.line)
		p.waitReady(t)
		// Kill after a random number of acknowledgements, mid-stream.
		want := len(acked) + pk.minAcks + rand.IntN(pk.spreadAcks)
		for countAcks(t, ackPath) < want {
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
		acked = ids["E"]
		if missing := missingJobs(ctx, t, c, queue, acked); missing > 0 {
			t.Fatalf("round %d: %d of %d acknowledged jobs are not in the store", round, missing, len(acked))
		}
		if cut > 0 {
			t.Logf("round %d: %d acknowledgement lines cut short by the kills so far", round, cut)
		}
	}
	kv := []any{"kills", pk.kills, "producers", pk.producers}
	if pk.restart != nil {
		pk.restart(t)
		c = openClient(t, url)
		if missing := missingJobs(ctx, t, c, queue, acked); missing > 0 {
			t.Fatalf("after the server's restart %d of %d acknowledged jobs are not in the store", missing, len(acked))
		}
		kv = append(kv, "server_restarts", 1)
	}
	stored := len(queueStates(ctx, t, c, queue))
	kv = append(kv, "acknowledged", len(acked), "lost", 0, "stored", stored, "stored_unacknowledged", stored-len(acked))
	// The calls in flight at each kill may have committed without being
	// acknowledged.
	bound := pk.kills * pk.inFlight
	if pk.producers > 1 {
		tally.mu.Lock()
		bound = tally.started - len(acked)
		kv = append(kv, "calls_unanswered_at_kills", bound, "writes", tally.writes,
			"calls_per_write", strconv.FormatFloat(float64(tally.calls)/float64(max(tally.writes, 1)), 'f', 1, 64),
			"max_calls_per_write", tally.maxCall)
		shared := tally.maxCall > 1
		tally.mu.Unlock()
		if !shared {
			t.Errorf("no write carried more than one call: group commit was not exercised")
		}
	}
	report(t, pk.fault, storeName, append(kv, pk.extra...)...)
	if stored < len(acked) || stored-len(acked) > bound {
		t.Fatalf("%d jobs stored for %d acknowledged; at most %d calls were unanswered", stored, len(acked), bound)
	}
}

// missingJobs counts the ids that are not in queue.
func missingJobs(ctx context.Context, t *testing.T, c *jobs.Client, queue string, ids []string) int {
	t.Helper()
	states := queueStates(ctx, t, c, queue)
	missing := 0
	for _, id := range ids {
		if _, ok := states[id]; !ok {
			missing++
		}
	}
	return missing
}

// countAcks counts the complete lines of the acknowledgement file, more
// cheaply than readAcks: the parent polls it while the child writes.
func countAcks(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte(" ok\n"))
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
