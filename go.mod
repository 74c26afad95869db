module github.com/spindlehq/spindle

go 1.25.0

require (
	github.com/robfig/cron/v3 v3.0.1
	go.uber.org/goleak v1.3.0
)
