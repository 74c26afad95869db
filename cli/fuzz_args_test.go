package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// fuzzSkipped are words that make a command run on (workers, servers,
// benchmarks, waits) or reach outside the test's memory store; a fuzz run
// leaves those command lines alone.
var fuzzSkipped = []string{"demo", "bench", "dash", "worker", "wait", "store", "sqlite", "redis", "postgres", "file:"}

// FuzzArgs: any command line ends with exit code 0, 1 or 2, never a
// panic, and a failure says so on stderr in whole lines, each one message
// from the program (one per job when a command takes several IDs), never
// a usage dump or a stack trace.
func FuzzArgs(f *testing.F) {
	for _, s := range []string{
		"", "--help", "queues", "queues --json", "jobs --state dead --queue q --json", "jobs --state nope",
		"jobs --limit -1", "jobs --limit 99999999999999999999", "job 01J00000000000000000000000", "job",
		"result 01J00000000000000000000000", "retry a b c", "delete x", "purge --state dead --yes", "purge --state all",
		"purge", "pause q", "resume q", "pause", "stats --json", "enqueue test.double 21", "enqueue test.double {",
		"enqueue test.greet {\"name\":\"x\"} --priority 3 --delay 1s", "enqueue nope {}", "enqueue test.double 1 --delay -5s",
		"completion bash", "completion fish", "__complete jobs --state ''", "--json", "-x", "--", "jobs -- --state",
		"queues extra", "help jobs", "jobs --after \xff\xfe", "job \x00",
		"revoke 01J00000000000000000000000 x", "revoke --name a.b --until 1h", "revoke --name a.b --once --until 1h",
		"restore --name a.b", "restore a --name b", "revocations --json", "revoke --name \xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, w := range fuzzSkipped {
			if strings.Contains(line, w) {
				return
			}
		}
		args := strings.Fields(line)
		root := NewCommand(Config{Name: "spindle", Definitions: testDefs, DefaultStore: "memory:", StoreEnv: "SPINDLE_FUZZ_STORE_NEVER_SET"})
		var out, errOut bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errOut)
		root.SetIn(strings.NewReader(""))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		code := Execute(ctx, root, args)
		switch code {
		case ExitOK:
		case ExitFailed, ExitUsage:
			msg := strings.TrimRight(errOut.String(), "\n")
			if msg == "" {
				t.Fatalf("%q: exit %d with nothing on stderr", args, code)
			}
			for _, l := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(l, "spindle: ") {
					t.Fatalf("%q: exit %d, stderr line %q is not a message from the program:\n%s", args, code, l, msg)
				}
			}
		default:
			t.Fatalf("%q: exit %d, want 0, 1 or 2", args, code)
		}
	})
}
