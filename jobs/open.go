package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
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
// An empty url means [DefaultURL]. An unknown scheme or a bad path is an
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
	u, err := parseStoreURL(url)
	if err != nil {
		return nil, err
	}
	switch u.scheme {
	case "memory":
		return memory.New(), nil
	case "redis":
		return openRedis(ctx, u.url)
	case "postgres":
		return openPostgres(ctx, u.url)
	default: // "sqlite"
		return openSQLite(ctx, u.path)
	}
}

// storeURL is a store URL taken apart by parseStoreURL.
type storeURL struct {
	scheme string // canonical: "memory", "sqlite", "redis" or "postgres"
	path   string // sqlite: the file path, non-empty
	url    string // server stores: the whole URL, parsed by the store
}

// parseStoreURL takes a store URL apart without touching the store. It is
// pure, so it can be fuzzed: it never panics, and its errors name what was
// wrong and what is accepted, quoting the URL only through RedactURL.
func parseStoreURL(url string) (storeURL, error) {
	if url == "" {
		url = DefaultURL
	}
	scheme, rest, ok := strings.Cut(url, ":")
	if !ok {
		return storeURL{}, fmt.Errorf("jobs: open %q: no scheme; %s", RedactURL(url), acceptedURLs)
	}
	switch strings.ToLower(scheme) {
	case "memory":
		if rest != "" && rest != "//" {
			return storeURL{}, fmt.Errorf("jobs: open %q: the memory store takes no path; write \"memory:\"", RedactURL(url))
		}
		return storeURL{scheme: "memory"}, nil
	case "sqlite", "sqlite3":
		path := strings.TrimPrefix(rest, "//") // sqlite:///abs/path and sqlite://rel/path
		if path == "" {
			return storeURL{}, fmt.Errorf("jobs: open %q: no file path; %s", RedactURL(url), acceptedURLs)
		}
		return storeURL{scheme: "sqlite", path: path}, nil
	case "redis", "rediss":
		return storeURL{scheme: "redis", url: url}, nil
	case "postgres", "postgresql":
		return storeURL{scheme: "postgres", url: url}, nil
	default:
		return storeURL{}, fmt.Errorf("jobs: open %q: unknown scheme %q; %s", RedactURL(url), RedactURL(scheme), acceptedURLs)
	}
}
