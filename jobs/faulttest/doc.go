// Package faulttest injects faults into the durable job layer and checks
// the guarantees docs/guarantees.md states: workers and producers killed
// with SIGKILL (a producer of 64 goroutines sharing one client's group
// commit among them), a SQLite file killed during a write storm, a worker cut
// off from its store, workers whose clocks are skewed, a slow handler
// under a flood, 200,000 jobs through each store, and restarts of the
// Redis and PostgreSQL servers while 64 producers enqueue.
//
// The tests are behind the build tag "fault", so the ordinary test run
// stays fast:
//
//	go test -race -tags fault ./jobs/faulttest/
//
// Every test runs against each store in a table: memory and a SQLite file
// always, Redis and PostgreSQL when SPINDLE_REDIS_URL and
// SPINDLE_POSTGRES_URL are set and jobs.Open accepts their schemes (until
// then those rows skip, saying why). Each test keeps to a queue of its
// own, so the shared servers need no cleaning. A test that needs several
// processes re-executes the test binary in a child role. Each test logs a
// line starting "FAULT " with its counts, also appended to the file named
// by SPINDLE_FAULT_REPORT when set; docs/guarantees.md quotes them.
//
// The package has no API; this file only names it.
package faulttest
