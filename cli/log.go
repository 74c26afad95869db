package cli

import (
	"io"
	"log/slog"
)

// warnLogger logs a worker's warnings and errors (store failures, lost
// leases) to w and drops the routine information.
func warnLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
