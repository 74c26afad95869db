package otelspindle_test

// The tests keep jobs in SQLite files, opened by URL.
import _ "github.com/spindlehq/spindle/jobs/store/sqlite"
