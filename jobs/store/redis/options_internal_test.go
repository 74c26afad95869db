package redis

import (
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/redact"
)

func TestParseURL(t *testing.T) {
	o, r, err := parseURL("rediss://app:s3cret@cache.example:6380/2?namespace=billing&pool_size=7&read_retry=5s")
	if err != nil {
		t.Fatal(err)
	}
	if o.namespace != "billing" || o.readRetry != 5*time.Second || r.Addr != "cache.example:6380" || r.DB != 2 || r.Username != "app" ||
		r.Password != "s3cret" || r.PoolSize != 7 || r.TLSConfig == nil || r.TLSConfig.ServerName != "cache.example" {
		t.Fatalf("parsed %+v, %+v", o, r)
	}
	o, r, err = parseURL("redis://127.0.0.1:6379/0")
	if err != nil || o.namespace != DefaultNamespace || r.TLSConfig != nil || r.Password != "" || r.MaxRetries != -1 {
		t.Fatalf("plain URL: %+v, %+v, %v", o, r, err)
	}
	bad := map[string]string{
		"http://u:s3cret@h:1/0":                          `scheme "http"`,
		"redis://u:s3cret@h:1/0?namespace=a{b}":          "namespace",
		"redis://u:s3cret@h:1/0?namespace=":              "namespace",
		"redis://u:s3cret@h:1/0?namespace=a&namespace=b": "namespace",
		"redis://u:s3cret@h:1/x":                         "database",
		"redis://u:s3cret@h:1/0?bogus=1":                 "bogus",
		"redis://u:s3cret@h:port/0":                      "does not parse",
		"redis:///0":                                     "no host",
		"redis://u:s3cret@h:1/0\x7f":                     "does not parse",
	}
	for u, want := range bad {
		_, _, err := parseURL(u)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseURL(%q) = %v; want an error containing %q", u, err, want)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("parseURL(%q) error shows the password: %v", u, err)
		}
		if !strings.Contains(err.Error(), "want") {
			t.Errorf("parseURL(%q) error does not say what is accepted: %v", u, err)
		}
		// Redacting the error again, as jobs.Open does, keeps the form it
		// says is accepted.
		if strings.Contains(err.Error(), urlForm) && !strings.Contains(redact.Text(err.Error(), u), urlForm) {
			t.Errorf("redacting %q lost the accepted form: %q", err, redact.Text(err.Error(), u))
		}
	}
}

func TestWithNamespace(t *testing.T) {
	o := defaultOptions()
	if err := WithNamespace("app.prod-1:jobs")(&o); err != nil || o.namespace != "app.prod-1:jobs" {
		t.Fatalf("WithNamespace: %v, %q", err, o.namespace)
	}
	for _, bad := range []string{"", "a b", "{x}", strings.Repeat("n", 65)} {
		if err := WithNamespace(bad)(&o); err == nil || !strings.Contains(err.Error(), "want") {
			t.Errorf("WithNamespace(%q) = %v; want an error saying what is accepted", bad, err)
		}
	}
}
