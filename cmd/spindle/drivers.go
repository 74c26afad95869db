package main

// The spindle command opens any store out of the box: it registers every
// driver Spindle ships. A program of your own imports only the drivers it
// uses.
import (
	_ "github.com/spindlehq/spindle/jobs/store/postgres"
	_ "github.com/spindlehq/spindle/jobs/store/redis"
	_ "github.com/spindlehq/spindle/jobs/store/sqlite"
)
