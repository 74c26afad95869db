package memory

import (
	"context"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
)

// Importing this package (package jobs does) registers the scheme
// "memory" with jobs.Open: "memory:" opens a new, empty [Store].
func init() { store.Register(store.DriverFunc(openURL), "memory") }

// openURL opens "memory:" (or "memory://"): a new, empty Store.
func openURL(_ context.Context, url string) (*Store, error) {
	_, rest, _ := strings.Cut(url, ":")
	if rest != "" && rest != "//" {
		return nil, fmt.Errorf("%q: the memory store takes no path; write \"memory:\"", url)
	}
	return New(), nil
}
