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

const acceptedURLs = `accepted: "sqlite:PATH" or "sqlite://PATH" (a SQLite file, created if missing; the default is "sqlite:spindle.db"), "memory:" (this process only), "postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME&pool_max_conns=N]" or "postgresql://..." (PostgreSQL; schema defaults to "spindle")`

// Open opens the store named by url and returns a client that owns it:
// Close closes both. It honours ctx while the store opens (SQLite runs
// its migrations then).
//
//	sqlite:spindle.db          a file relative to the working directory
//	sqlite:///var/lib/app.db   an absolute path
//	memory:                    jobs kept in this process only
//	postgres://user:pw@host/db?schema=app&pool_max_conns=16
//	                           PostgreSQL (or postgresql://); the schema
//	                           (default "spindle") is created on first use;
//	                           package jobs/store/postgres lists the options
//
// An empty url means [DefaultURL]. An unknown scheme or a bad path is an
// error that names what was wrong and what is accepted.
func Open(ctx context.Context, url string, opts ...Option) (*Client, error) {
	s, err := openStore(ctx, url)
	if err != nil {
		return nil, err
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
	if url == "" {
		url = DefaultURL
	}
	scheme, rest, ok := strings.Cut(url, ":")
	if !ok {
		return nil, fmt.Errorf("jobs: open %q: no scheme; %s", url, acceptedURLs)
	}
	switch strings.ToLower(scheme) {
	case "memory":
		if rest != "" && rest != "//" {
			return nil, fmt.Errorf("jobs: open %q: the memory store takes no path; write \"memory:\"", url)
		}
		return memory.New(), nil
	case "sqlite", "sqlite3":
		path := strings.TrimPrefix(rest, "//") // sqlite:///abs/path and sqlite://rel/path
		if path == "" {
			return nil, fmt.Errorf("jobs: open %q: no file path; %s", url, acceptedURLs)
		}
		return openSQLite(ctx, path)
	case "postgres", "postgresql":
		return openPostgres(ctx, url)
	default:
		return nil, fmt.Errorf("jobs: open %q: unknown scheme %q; %s", url, scheme, acceptedURLs)
	}
}
