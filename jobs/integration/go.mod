module github.com/spindlehq/spindle/jobs/integration

go 1.25.0

require (
	github.com/jackc/pgx/v5 v5.12.0
	github.com/spindlehq/spindle v0.0.0-00010101000000-000000000000
	github.com/spindlehq/spindle/internal/servertest v0.0.0-00010101000000-000000000000
	github.com/spindlehq/spindle/jobs/store/postgres v0.0.0-00010101000000-000000000000
	github.com/spindlehq/spindle/jobs/store/redis v0.0.0-00010101000000-000000000000
	github.com/spindlehq/spindle/jobs/store/sqlite v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/ncruces/go-strftime v1.0.0 // indirect
	github.com/redis/go-redis/v9 v9.17.3 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
	modernc.org/libc v1.75.7 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
	modernc.org/sqlite v1.59.0 // indirect
)

replace (
	github.com/spindlehq/spindle => ../..
	github.com/spindlehq/spindle/cli => ../../cli
	github.com/spindlehq/spindle/cmd/spindle => ../../cmd/spindle
	github.com/spindlehq/spindle/dash => ../../dash
	github.com/spindlehq/spindle/examples => ../../examples
	github.com/spindlehq/spindle/internal/servertest => ../../internal/servertest
	github.com/spindlehq/spindle/jobs/faulttest => ../../jobs/faulttest
	github.com/spindlehq/spindle/jobs/store/postgres => ../../jobs/store/postgres
	github.com/spindlehq/spindle/jobs/store/redis => ../../jobs/store/redis
	github.com/spindlehq/spindle/jobs/store/sqlite => ../../jobs/store/sqlite
	github.com/spindlehq/spindle/metrics => ../../metrics
	github.com/spindlehq/spindle/otelspindle => ../../otelspindle
)
