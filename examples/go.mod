module github.com/spindlehq/spindle/examples

go 1.25.0

require (
	github.com/spindlehq/spindle v0.0.0-00010101000000-000000000000
	github.com/spindlehq/spindle/cli v0.0.0-00010101000000-000000000000
	github.com/spindlehq/spindle/jobs/store/sqlite v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/ncruces/go-strftime v1.0.0 // indirect
	github.com/prometheus/client_golang v1.24.1 // indirect
	github.com/prometheus/client_model v0.6.2 // indirect
	github.com/prometheus/common v0.70.1 // indirect
	github.com/prometheus/procfs v0.21.1 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	github.com/spf13/cobra v1.10.2 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	github.com/spindlehq/spindle/metrics v0.0.0-00010101000000-000000000000 // indirect
	golang.org/x/sys v0.47.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
	modernc.org/libc v1.75.7 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
	modernc.org/sqlite v1.59.0 // indirect
)

replace (
	github.com/spindlehq/spindle => ..
	github.com/spindlehq/spindle/cli => ../cli
	github.com/spindlehq/spindle/cmd/spindle => ../cmd/spindle
	github.com/spindlehq/spindle/dash => ../dash
	github.com/spindlehq/spindle/internal/servertest => ../internal/servertest
	github.com/spindlehq/spindle/jobs/faulttest => ../jobs/faulttest
	github.com/spindlehq/spindle/jobs/integration => ../jobs/integration
	github.com/spindlehq/spindle/jobs/store/postgres => ../jobs/store/postgres
	github.com/spindlehq/spindle/jobs/store/redis => ../jobs/store/redis
	github.com/spindlehq/spindle/jobs/store/sqlite => ../jobs/store/sqlite
	github.com/spindlehq/spindle/metrics => ../metrics
	github.com/spindlehq/spindle/otelspindle => ../otelspindle
)
