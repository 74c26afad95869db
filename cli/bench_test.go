package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// benchLines parses the benchmark output: one JSON object per line, each
// with the fields docs/cli.md lists.
func benchLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		for _, k := range []string{"workload", "n", "workers", "seconds", "run", "go", "gomaxprocs"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line lacks %q: %s", k, sc.Text())
			}
		}
		_, store := m["store"]
		_, lib := m["lib"]
		if store == lib {
			t.Errorf("line wants exactly one of store and lib: %s", sc.Text())
		}
		lines = append(lines, m)
	}
	return lines
}

func positive(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := m[k].(float64); !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number, in %v", k, m[k], m)
		}
	}
}

func TestBenchQ1(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		n, count  int
	}{
		{"memory", "memory:", 300, 2},
		{"sqlite", tempStore(t), 100, 1},
		{"default temporary store", "", 50, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"bench", "q1", "-n", strconv.Itoa(tc.n), "-w", "4", "--count", strconv.Itoa(tc.count)}
			if tc.url != "" {
				args = append(args, "--store", tc.url)
			}
			r := execute(t, "", args...)
			wantOK(t, r)
			lines := benchLines(t, r.out)
			if len(lines) != tc.count {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), tc.count, r.out)
			}
			for i, m := range lines {
				if m["workload"] != "q1" || m["n"] != float64(tc.n) || m["workers"] != 4.0 || m["run"] != float64(i+1) {
					t.Errorf("line %d: %v", i, m)
				}
				positive(t, m, "seconds", "enqueue_per_s", "bulk_enqueue_per_s", "process_per_s", "enqueue_seconds", "bulk_enqueue_seconds")
				for _, k := range []string{"driver_commit_per_s", "driver_bulk_per_s"} {
					if _, ok := m[k]; ok != (tc.url != "memory:") {
						t.Errorf("%s present %v; want it on SQLite only: %v", k, ok, m)
					}
				}
				if _, ok := m["driver_commit_per_s"]; ok {
					positive(t, m, "driver_commit_per_s", "enqueue_over_driver", "driver_bulk_per_s", "bulk_over_driver")
				}
			}
			if want := fmt.Sprintf("q1 run %d: process", tc.count); !strings.Contains(r.errOut, want) {
				t.Errorf("no progress %q on stderr: %q", want, r.errOut)
			}
			if strings.HasPrefix(tc.url, "sqlite:") {
				// It leaves nothing behind in a store of the user's.
				if st := decode[statsJSON](t, execute(t, "", "stats", "--json", "--store", tc.url).out); st.Total != 0 {
					t.Errorf("bench left jobs: %+v", st)
				}
			}
		})
	}
}

func TestBenchQ2InProcess(t *testing.T) {
	for _, url := range []string{"memory:", tempStore(t)} {
		t.Run(storeKind(url), func(t *testing.T) {
			r := execute(t, "", "bench", "q2", "-n", "30", "--client", "in-process", "--store", url)
			wantOK(t, r)
			lines := benchLines(t, r.out)
			if len(lines) != 1 || lines[0]["client"] != "in-process" || lines[0]["store"] != storeKind(url) {
				t.Fatalf("lines: %v", lines)
			}
			positive(t, lines[0], "p50_ms", "p90_ms", "p99_ms", "max_ms", "seconds")
			m := lines[0]
			if !(m["p50_ms"].(float64) <= m["p90_ms"].(float64) && m["p90_ms"].(float64) <= m["p99_ms"].(float64) && m["p99_ms"].(float64) <= m["max_ms"].(float64)) {
				t.Errorf("percentiles out of order: %v", m)
			}
		})
	}
	// The memory store cannot be reached from another process.
	r := execute(t, "", "bench", "q2", "-n", "5", "--store", "memory:")
	if r.code != 0 || len(benchLines(t, r.out)) != 1 {
		t.Errorf("q2 on memory with both clients: %v", r)
	}
	wantFail(t, execute(t, "", "bench", "q2", "--client", "other-process", "--store", "memory:"), ExitUsage, "memory store lives in one process")
}

func TestBenchQ4(t *testing.T) {
	for _, url := range []string{"memory:", tempStore(t)} {
		t.Run(storeKind(url), func(t *testing.T) {
			r := execute(t, "", "bench", "q4", "-n", "200", "-w", "8", "--count", "2", "--store", url)
			wantOK(t, r)
			lines := benchLines(t, r.out)
			if len(lines) != 2 {
				t.Fatalf("%d lines, want 2:\n%s", len(lines), r.out)
			}
			for i, m := range lines {
				if m["workload"] != "q4" || m["store"] != storeKind(url) || m["n"] != 200.0 || m["workers"] != 8.0 || m["run"] != float64(i+1) {
					t.Errorf("line %d: %v", i, m)
				}
				positive(t, m, "seconds", "enqueue_per_s", "p50_ms", "p99_ms", "max_ms", "writes", "mean_batch")
				if !(m["p50_ms"].(float64) <= m["p99_ms"].(float64) && m["p99_ms"].(float64) <= m["max_ms"].(float64)) {
					t.Errorf("percentiles out of order: %v", m)
				}
				if w := m["writes"].(float64); w > 200 || math.Abs(m["mean_batch"].(float64)*w-200) > 1e-6 {
					t.Errorf("writes %v, mean batch %v: want them to account for the 200 calls", w, m["mean_batch"])
				}
			}
		})
	}
}

func TestBenchL1Case(t *testing.T) {
	for _, w := range []string{"l1a", "l1b", "l1c"} {
		for _, runner := range l1RunnerNames() {
			r := execute(t, "", "bench", "l1-case", "--workload", w, "--runner", runner, "-n", "500", "--run", "3")
			wantOK(t, r)
			lines := benchLines(t, r.out)
			if len(lines) != 1 {
				t.Fatalf("%s %s: %v", w, runner, r)
			}
			m := lines[0]
			if m["workload"] != w || m["lib"] != runner || m["n"] != 500.0 || m["run"] != 3.0 {
				t.Errorf("%s %s: %v", w, runner, m)
			}
			positive(t, m, "ns_per_task", "seconds")
			if _, ok := m["peak_live_bytes"]; !ok {
				t.Errorf("no peak_live_bytes: %v", m)
			}
			if _, ok := m["wall_over_ideal"]; ok != (w == "l1c") {
				t.Errorf("%s: wall_over_ideal present %v", w, ok)
			}
		}
	}
}

func TestBenchBadInput(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		mentions []string
	}{
		{[]string{"bench", "q3"}, []string{"unknown command"}},
		{[]string{"bench", "q1", "-n", "0"}, []string{"-n 0"}},
		{[]string{"bench", "q1", "-w", "0"}, []string{"-w 0"}},
		{[]string{"bench", "q2", "--count", "0"}, []string{"--count 0"}},
		{[]string{"bench", "q2", "--client", "elsewhere"}, []string{"--client"}},
		{[]string{"bench", "l1", "--workload", "l9"}, []string{"l1a, l1b or l1c"}},
		{[]string{"bench", "l1", "--runner", "errgroup"}, []string{"spindle-group"}},
		{[]string{"bench", "l1-case", "--runner", "errgroup"}, []string{"spindle-group"}},
	} {
		wantFail(t, execute(t, "", tc.args...), ExitUsage, tc.mentions...)
	}
	wantFail(t, execute(t, "", "bench", "q1", "--store", "sqlite:/nonexistent/dir/x.db"), ExitFailed, "create the directory first")
}

// TestBenchOutTable: on a terminal the records become one table, with
// the Go version and GOMAXPROCS under it.
func TestBenchOutTable(t *testing.T) {
	var b strings.Builder
	o := &benchOut{w: &b, table: true}
	for i, rate := range []float64{123456.7, 98765.4} {
		rec := q4Record{benchCommon: newBenchCommon("q4", 20000, 64, i+1), EnqueuePerS: rate, P50ms: 0.8123, P99ms: 12.5}
		rec.Store = "sqlite"
		if err := o.add(&rec); err != nil {
			t.Fatal(err)
		}
	}
	p := newProgress(io.Discard)
	if err := o.flush(p); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("table:\n%s", b.String())
	}
	for _, want := range []string{"workload", "enqueue_per_s", "p99_ms"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header %q lacks %q", lines[0], want)
		}
	}
	for _, want := range []string{"q4", "sqlite", "20,000", "123,457", "0.812", "12.5"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("row %q lacks %q", lines[1], want)
		}
	}
	if !strings.Contains(lines[3], "GOMAXPROCS") || strings.Contains(lines[0], "gomaxprocs") {
		t.Errorf("environment line %q, header %q", lines[3], lines[0])
	}
}
