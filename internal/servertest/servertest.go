// Package servertest gives tests a place of their own on the shared Redis
// and PostgreSQL servers: the server's URL from the environment (or a
// skip that says which variable to set), and a fresh Redis namespace or
// PostgreSQL schema that is deleted, with everything in it, when the test
// ends. Tests that count a store's jobs, hold unique keys or insert fixed
// IDs then see only their own, and a run leaves nothing behind.
//
// It is for tests only; it lives outside _test files so that every
// package's tests, the command's end-to-end tests among them, share it.
package servertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// The environment variables that name the shared servers.
const (
	RedisEnv    = "SPINDLE_REDIS_URL"
	PostgresEnv = "SPINDLE_POSTGRES_URL"
)

// examples are shown in the skip message of each variable.
var examples = map[string]string{
	RedisEnv:    "redis://127.0.0.1:6379/0",
	PostgresEnv: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
}

// URL returns the value of env, or skips t saying that env is unset and
// what a value looks like.
func URL(t testing.TB, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		t.Skipf("%s is not set (e.g. %s=%s): the tests that need that server are skipped", env, env, examples[env])
	}
	return u
}

// RedisURL returns the Redis server's URL with a fresh namespace
// (?namespace=), deleted when t ends; it skips t while RedisEnv is unset.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := URL(t, RedisEnv)
	return WithParam(t, u, "namespace", RedisNamespace(t, u))
}

// PostgresURL returns the PostgreSQL server's URL with a fresh schema
// (?schema=), dropped when t ends; it skips t while PostgresEnv is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := URL(t, PostgresEnv)
	return WithParam(t, u, "schema", PostgresSchema(t, u))
}

// WithParam returns u with the query parameter key set to value.
func WithParam(t testing.TB, u, key, value string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatalf("server URL: %v", redact(err))
	}
	q := parsed.Query()
	q.Set(key, value)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// RedisNamespace returns a namespace no other test uses on the server at
// u, and deletes its keys when t ends (after the cleanups registered
// later, such as closing a store opened on it).
func RedisNamespace(t testing.TB, u string) string {
	t.Helper()
	ns := "spindle_test_" + randomHex()
	t.Cleanup(func() {
		if err := DropRedisNamespace(u, ns); err != nil {
			t.Errorf("deleting redis namespace %s: %v", ns, err)
		}
	})
	return ns
}

// PostgresSchema returns a schema name no other test uses on the server
// at u, and drops the schema, with everything in it, when t ends.
func PostgresSchema(t testing.TB, u string) string {
	t.Helper()
	name := "spindle_test_" + randomHex()
	t.Cleanup(func() {
		if err := DropPostgresSchema(u, name); err != nil {
			t.Errorf("dropping postgres schema %s: %v", name, err)
		}
	})
	return name
}

// DropRedisNamespace deletes every key of namespace ns (the store keeps
// them all under the hash tag {ns}) on the server at u.
func DropRedisNamespace(u, ns string) error {
	opts, err := goredis.ParseURL(u)
	if err != nil {
		return redact(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, "{"+ns+"}*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return c.Unlink(ctx, batch...).Err()
	}
	return nil
}

// DropPostgresSchema drops schema name, with everything in it, on the
// server at u (whose own schema parameter, if any, is ignored).
func DropPostgresSchema(u, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		return redact(err)
	}
	delete(cfg.RuntimeParams, "schema")
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return redact(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE")
	return err
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// redact keeps a URL's password out of an error from url.Parse, which
// quotes the URL. (pgx and go-redis hide passwords in their own errors.)
func redact(err error) error {
	if ue, ok := err.(*url.Error); ok {
		if p, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = p.Redacted()
		} else {
			ue.URL = "(the URL)"
		}
	}
	return err
}
