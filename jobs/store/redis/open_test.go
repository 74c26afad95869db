package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/redis"
)

func TestOpenUnreachableHidesPassword(t *testing.T) {
	ps := servertest.StartRedis(t)
	url := strings.Replace(ps.URL(), "redis://", "redis://user:s3cret@", 1)
	ps.Kill() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, open := range []func() error{
		func() error { _, err := redis.Open(ctx, url+"?max_retries=-1"); return err },
		func() error { _, err := jobs.Open(ctx, url+"?max_retries=-1"); return err },
	} {
		err := open()
		if err == nil {
			t.Fatal("Open of a server that is down succeeded")
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("the error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "xxxxx") || !strings.Contains(err.Error(), "does not answer") {
			t.Fatalf("error %q: want the redacted URL and the reason", err)
		}
	}
}

func TestOpenWrongPassword(t *testing.T) {
	ps := servertest.StartRedis(t)
	if err := ps.Client().ConfigSet(context.Background(), "requirepass", "right-one").Err(); err != nil {
		t.Fatal(err)
	}
	url := strings.Replace(ps.URL(), "redis://", "redis://default:wrong-one@", 1)
	_, err := redis.Open(context.Background(), url)
	if err == nil || strings.Contains(err.Error(), "wrong-one") {
		t.Fatalf("Open with a wrong password = %v; want an error without the password", err)
	}
	good := strings.Replace(ps.URL(), "redis://", "redis://default:right-one@", 1)
	s, err := redis.Open(context.Background(), good)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Insert(context.Background(), []*store.Job{newJob("a1")}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenNamespaceFromURL(t *testing.T) {
	ns := servertest.RedisNamespace(t, redisURL(t))
	c, err := jobs.Open(context.Background(), storeURL(t, ns))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, ok := c.Store().(*redis.Store)
	if !ok || s.Namespace() != ns {
		t.Fatalf("store %T in namespace %q; want a Redis store in %q", c.Store(), s.Namespace(), ns)
	}
	// Two namespaces on one Redis do not see each other's jobs.
	other := openStore(t)
	if _, err := s.Insert(context.Background(), []*store.Job{newJob("same-id")}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Get(context.Background(), "same-id"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another namespace sees the job: %v", err)
	}
	if dups, err := other.Insert(context.Background(), []*store.Job{newJob("same-id")}); err != nil || len(dups) != 0 {
		t.Fatalf("the same ID in another namespace: dups %v, %v", dups, err)
	}
}

func TestNewWithOwnClient(t *testing.T) {
	url := redisURL(t)
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	ns := servertest.RedisNamespace(t, url)
	s, err := redis.New(context.Background(), rdb, redis.WithNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(context.Background(), []*store.Job{newJob("n1")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The caller's client is still open.
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Close closed the caller's client: %v", err)
	}
	if _, err := redis.New(context.Background(), nil); err == nil {
		t.Fatal("New(nil) succeeded")
	}
	if _, err := redis.New(context.Background(), rdb, redis.WithNamespace("bad namespace")); err == nil {
		t.Fatal("New with a bad namespace succeeded")
	}
}

func TestOpenCanceled(t *testing.T) {
	url := redisURL(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("gave up")
	cancel(cause)
	if _, err := redis.Open(ctx, url); !errors.Is(err, cause) {
		t.Fatalf("Open with a canceled ctx = %v; want its cause", err)
	}
}

// A server that answers with an error has answered: the message says it
// refused, not that it is silent.
func TestOpenRefusedIsAnAnswer(t *testing.T) {
	raw := servertest.URL(t, servertest.RedisEnv)
	u := strings.TrimRight(raw, "/0123456789") + "/9999" // a DB index no server has
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := redis.Open(ctx, u)
	if err == nil || !strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "does not answer") {
		t.Fatalf("Open(%s) = %v; want the server's refusal, not silence", u, err)
	}
}
