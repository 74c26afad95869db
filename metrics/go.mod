module github.com/spindlehq/spindle/metrics

go 1.25.0

require (
	github.com/prometheus/client_golang v1.24.1
	github.com/prometheus/client_model v0.6.2
	github.com/spindlehq/spindle v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/kylelemons/godebug v1.1.0 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/common v0.70.1 // indirect
	github.com/prometheus/procfs v0.21.1 // indirect
	golang.org/x/sys v0.47.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)

replace (
	github.com/spindlehq/spindle => ..
	github.com/spindlehq/spindle/cli => ../cli
	github.com/spindlehq/spindle/cmd/spindle => ../cmd/spindle
	github.com/spindlehq/spindle/dash => ../dash
	github.com/spindlehq/spindle/examples => ../examples
	github.com/spindlehq/spindle/internal/servertest => ../internal/servertest
	github.com/spindlehq/spindle/jobs/faulttest => ../jobs/faulttest
	github.com/spindlehq/spindle/jobs/integration => ../jobs/integration
	github.com/spindlehq/spindle/jobs/store/postgres => ../jobs/store/postgres
	github.com/spindlehq/spindle/jobs/store/redis => ../jobs/store/redis
	github.com/spindlehq/spindle/jobs/store/sqlite => ../jobs/store/sqlite
	github.com/spindlehq/spindle/otelspindle => ../otelspindle
)
