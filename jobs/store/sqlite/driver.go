package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
)

// Importing this package registers the schemes "sqlite" and "sqlite3"
// with jobs.Open:
//
//	import _ "github.com/spindlehq/spindle/jobs/store/sqlite"
func init() { store.Register(store.DriverFunc(openURL), "sqlite", "sqlite3") }

// openURL opens "sqlite:PATH" or "sqlite://PATH" ("sqlite:///abs/path"
// for an absolute one) with the default options.
func openURL(ctx context.Context, url string) (*Store, error) {
	path, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	return Open(ctx, path)
}

// ParseURL returns the file path of a "sqlite:PATH", "sqlite://PATH" or
// "sqlite3:PATH" URL, or an error that names the accepted forms. It is a
// pure function, safe for concurrent use.
func ParseURL(url string) (string, error) {
	scheme, rest, ok := strings.Cut(url, ":")
	if !ok || (!strings.EqualFold(scheme, "sqlite") && !strings.EqualFold(scheme, "sqlite3")) {
		return "", fmt.Errorf("sqlite: %q is not a sqlite URL; accepted: \"sqlite:PATH\" or \"sqlite://PATH\"", url)
	}
	path := strings.TrimPrefix(rest, "//") // sqlite:///abs/path and sqlite://rel/path
	if path == "" {
		return "", fmt.Errorf("sqlite: %q: no file path; accepted: \"sqlite:PATH\" or \"sqlite://PATH\" (\"sqlite:///abs/path\" for an absolute one)", url)
	}
	return path, nil
}
