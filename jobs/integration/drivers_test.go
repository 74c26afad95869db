package integration_test

// The stores every row of eachStore opens by URL.
import (
	_ "github.com/spindlehq/spindle/jobs/store/postgres"
	_ "github.com/spindlehq/spindle/jobs/store/redis"
	_ "github.com/spindlehq/spindle/jobs/store/sqlite"
)
