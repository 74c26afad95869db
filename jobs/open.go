package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
	_ "github.com/spindlehq/spindle/jobs/store/memory" // "memory:" works with no import of the user's
)

// DefaultURL is the store [Open] uses when given an empty URL: a SQLite
// file in the working directory, created on first use.
const DefaultURL = "sqlite:spindle.db"

const acceptedURLs = `accepted: "sqlite:PATH" or "sqlite://PATH" (a SQLite file, created if missing; the default is "sqlite:spindle.db"), "memory:" (this process only), "redis://[user:password@]host[:port][/db][?namespace=NAME]" or "rediss://..." (Redis, TLS with rediss), "postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME&pool_max_conns=N]" or "postgresql://..." (PostgreSQL; schema defaults to "spindle")`

// Open opens the store named by url and returns a client that owns it:
// Close closes both. It honours ctx while the store opens (SQLite runs
// its migrations then).
//
//	sqlite:spindle.db          a file relative to the working directory
//	sqlite:///var/lib/app.db   an absolute path
//	memory:                    jobs kept in this process only
//	redis://127.0.0.1:6379/0   Redis; redis://user:pass@host:6379/0 with AUTH,
//	                           rediss:// for TLS, ?namespace=app (default
//	                           "spindle") to share one Redis between apps,
//	                           and go-redis options such as ?pool_size=20
//	postgres://user:pw@host/db?schema=app&pool_max_conns=16
//	                           PostgreSQL (or postgresql://); the schema
//	                           (default "spindle") is created on first use;
//	                           package jobs/store/postgres lists the options
//
// A scheme works once its driver is registered, by importing the driver
// package (the idiom of database/sql); "memory:" always works:
//
//	import _ "github.com/spindlehq/spindle/jobs/store/sqlite"   // sqlite:, sqlite3:
//	import _ "github.com/spindlehq/spindle/jobs/store/redis"    // redis://, rediss://
//	import _ "github.com/spindlehq/spindle/jobs/store/postgres" // postgres://, postgresql://
//
// An empty url means [DefaultURL]. A scheme no driver registered is an
// error naming the import to add; an unknown scheme or a bad path is an
// error that names what was wrong and what is accepted. No error carries
// a password from url: they quote it through [RedactURL].
func Open(ctx context.Context, url string, opts ...Option) (*Client, error) {
	s, err := openStore(ctx, url)
	if err != nil {
		// Stores may quote the URL; none of it may carry a password out.
		return nil, redactError(url, err)
	}
	c, err := New(s, opts...)
	if err != nil {
		s.Close()
		return nil, err
	}
	c.owned = true
	return c, nil
}

func openStore(ctx context.Context, url string) (store.Store, error) {
	scheme, err := storeScheme(url)
	if err != nil {
		return nil, err
	}
	if url == "" {
		url = DefaultURL
	}
	d, ok := store.Lookup(scheme)
	if !ok {
		return nil, unregistered(url, scheme)
	}
	s, err := d.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return s, nil
}

// bundledDrivers names the import that registers each scheme of Spindle's
// own drivers, for the error of a scheme nobody registered.
var bundledDrivers = map[string]string{
	"sqlite":     "github.com/spindlehq/spindle/jobs/store/sqlite",
	"sqlite3":    "github.com/spindlehq/spindle/jobs/store/sqlite",
	"redis":      "github.com/spindlehq/spindle/jobs/store/redis",
	"rediss":     "github.com/spindlehq/spindle/jobs/store/redis",
	"postgres":   "github.com/spindlehq/spindle/jobs/store/postgres",
	"postgresql": "github.com/spindlehq/spindle/jobs/store/postgres",
}

// unregistered is the one-line error for a scheme no imported driver
// registered: the import to add for Spindle's own drivers, the accepted
// forms otherwise.
func unregistered(url, scheme string) error {
	if pkg, ok := bundledDrivers[scheme]; ok {
		return fmt.Errorf("jobs: open %q: no driver registered for scheme %q; add the import _ %q to your program", RedactURL(url), scheme, pkg)
	}
	return fmt.Errorf("jobs: open %q: unknown scheme %q (registered: %s); %s", RedactURL(url), RedactURL(scheme), strings.Join(store.Schemes(), ", "), acceptedURLs)
}

// storeScheme returns the lower-cased scheme of a store URL ("" means
// [DefaultURL]) without touching the store. It is pure, so it can be
// fuzzed: it never panics, and its errors name what was wrong and what is
// accepted, quoting the URL only through RedactURL.
func storeScheme(url string) (string, error) {
	if url == "" {
		url = DefaultURL
	}
	scheme, _, ok := strings.Cut(url, ":")
	if !ok || scheme == "" {
		return "", fmt.Errorf("jobs: open %q: no scheme; %s", RedactURL(url), acceptedURLs)
	}
	return strings.ToLower(scheme), nil
}
