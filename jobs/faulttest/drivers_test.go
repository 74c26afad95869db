//go:build fault

package faulttest

// The stores the fault tests open by URL.
import (
	_ "github.com/spindlehq/spindle/jobs/store/postgres"
	_ "github.com/spindlehq/spindle/jobs/store/redis"
	_ "github.com/spindlehq/spindle/jobs/store/sqlite"
)
