package servertest

import (
	"net/url"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestWithParamKeepsTheRest(t *testing.T) {
	got := WithParam(t, "postgres://u@127.0.0.1:5432/test?sslmode=disable", "schema", "s1")
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("sslmode") != "disable" || q.Get("schema") != "s1" || u.Path != "/test" {
		t.Fatalf("WithParam = %s; want sslmode kept and schema=s1 added", got)
	}
}

func TestDropErrorsHidePasswords(t *testing.T) {
	const bad = "redis://user:hunter2@127.0.0.1:6379/0\x7f"
	if err := DropRedisNamespace(bad, "ns"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("DropRedisNamespace(bad URL) = %v; want an error without the password", err)
	}
	if err := DropPostgresSchema("postgres://user:hunter2@127.0.0.1:5432/x\x7f", "s"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("DropPostgresSchema(bad URL) = %v; want an error without the password", err)
	}
}

func TestNamesAreFresh(t *testing.T) {
	if a, b := randomHex(), randomHex(); a == b || len(a) != 12 {
		t.Fatalf("randomHex gave %q and %q; want two different 12-digit names", a, b)
	}
}
