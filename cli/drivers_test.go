package cli

// The stores the tests open by URL; the spindle command registers the
// same drivers in its main package.
import (
	_ "github.com/spindlehq/spindle/jobs/store/postgres"
	_ "github.com/spindlehq/spindle/jobs/store/redis"
	_ "github.com/spindlehq/spindle/jobs/store/sqlite"
)
