package postgres

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/spindlehq/spindle/jobs/internal/redact"
)

// DefaultSchema is the schema the store keeps its tables in unless the URL
// (?schema=) or [WithSchema] names another.
const DefaultSchema = "spindle"

// Option configures [Open]. Options hold no state of their own and may
// be shared; Open applies them in order, after the URL.
type Option func(*options) error

type options struct {
	schema string
}

// WithSchema keeps the store's tables in schema instead of the URL's
// ?schema= or [DefaultSchema]. Open creates the schema if it is missing.
// Several applications (or tests) can share one database, each with its
// own schema: their jobs, queues and notifications are separate. A name
// that is not 1 to 63 letters, digits and underscores (starting with a
// letter or underscore) makes Open fail with an error naming it.
func WithSchema(schema string) Option {
	return func(o *options) error {
		if err := checkSchema(schema); err != nil {
			return err
		}
		o.schema = schema
		return nil
	}
}

var schemaRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkSchema(s string) error {
	if len(s) > 63 || !schemaRE.MatchString(s) {
		return fmt.Errorf("postgres: schema %q: want 1 to 63 letters, digits and underscores, starting with a letter or underscore", s)
	}
	return nil
}

// spindleParams are the URL query parameters the store takes for itself;
// every other parameter goes to pgx (pool_max_conns and the like) or to
// the server as a run-time setting (application_name, synchronous_commit).
var spindleParams = []string{"schema"}

// parseConfig splits connString into the pool configuration and the
// schema. connString is a postgres:// or postgresql:// URL, or a pgx
// keyword/value string (which cannot carry a schema: use WithSchema).
// Errors never contain the password.
func parseConfig(connString string, o *options) (*pgxpool.Config, error) {
	rest := connString
	if isURL(connString) {
		u, err := url.Parse(connString)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, fmt.Errorf("postgres: cannot parse the URL %s: %v; want postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME&pool_max_conns=N&...]", redact.Text(connString), err)
		}
		if u.Host == "" && strings.Trim(u.Path, "/") == "" && u.RawQuery == "" {
			return nil, errors.New("postgres: the URL names no server and no database; want postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME&pool_max_conns=N&...]")
		}
		q := u.Query()
		if vs, ok := q["schema"]; ok {
			if len(vs) != 1 {
				return nil, fmt.Errorf("postgres: %s: schema given %d times; want it once", redact.Text(connString), len(vs))
			}
			if o.schema == "" {
				if err := checkSchema(vs[0]); err != nil {
					return nil, err
				}
				o.schema = vs[0]
			}
		}
		for _, p := range spindleParams {
			q.Del(p)
		}
		u.RawQuery = q.Encode()
		rest = u.String()
	}
	if o.schema == "" {
		o.schema = DefaultSchema
	}
	cfg, err := pgxpool.ParseConfig(rest)
	if err != nil {
		// pgx redacts the password from its parse errors.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "spindle"
	}
	return cfg, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// channelName is the LISTEN/NOTIFY channel of a schema. Channel names are
// identifiers of at most 63 bytes, so a long schema name is hashed.
func channelName(schema string) string {
	c := "spindle_" + schema
	if len(c) <= 63 {
		return c
	}
	h := fnv.New64a()
	h.Write([]byte(schema))
	return fmt.Sprintf("spindle_%.38s_%016x", schema, h.Sum64())
}

// quoteIdent quotes a schema, table or channel name for SQL text.
func quoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }
