package integration_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs"
)

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"redis://u:secret@127.0.0.1:6379/0":                    "redis://u:xxxxx@127.0.0.1:6379/0",
		"redis://:secret@127.0.0.1:6379":                       "redis://:xxxxx@127.0.0.1:6379",
		"redis://127.0.0.1:6379/0":                             "redis://127.0.0.1:6379/0",
		"postgres://app@h/db":                                  "postgres://app@h/db",
		"postgres://app:s%40cret@h:5432/db?sslmode=disable":    "postgres://app:xxxxx@h:5432/db?sslmode=disable",
		"postgres://h/db?user=app&password=secret&sslmode=off": "postgres://h/db?user=app&password=xxxxx&sslmode=off",
		"host=h user=app password=secret dbname=d":             "host=h user=app password=xxxxx dbname=d",
		// Malformed: an unescaped "/" or "@" in the password hides more.
		"redis://u:se/cret@h:6379":  "redis://u:xxxxx@h:6379",
		"redis://u:se@cret@h:6379":  "redis://u:xxxxx@h:6379",
		"postgres://u:sec ret@h/db": "postgres://u:xxxxx@h/db",
		"u:secret@h":                "u:xxxxx@h",
		"redis:u:secret@h":          "redis:u:xxxxx@h",
		// Stores without passwords are left alone, '@' in paths included.
		"sqlite:/srv/a:b@c.db": "sqlite:/srv/a:b@c.db",
		"memory:":              "memory:",
		"":                     "",
		"%%%:::@@@":            "%%%:xxxxx@",
	}
	for in, want := range cases {
		if got := jobs.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// An Open error never carries a password, whatever the URL's shape.
func TestOpenErrorHidesPassword(t *testing.T) {
	for _, u := range []string{
		"redis://u:secret@127.0.0.1:6379/0",
		"rediss://:secret@127.0.0.1:6380",
		"postgres://u:secret@127.0.0.1:5432/test?sslmode=disable",
		"postgresql://u:secret@127.0.0.1/test",
		"postgres://127.0.0.1:1/test?password=secret&connect_timeout=2",
		"postgres://u:sec/ret@127.0.0.1/test",
		"u:secret@127.0.0.1",
		"bogus://u:secret@x",
	} {
		_, err := jobs.Open(context.Background(), u)
		if err == nil {
			t.Errorf("Open(%q) succeeded", u)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "ret@") {
			t.Errorf("Open(%q) = %q: shows the password", u, err)
		}
		// A server store's URL is accepted; its error is the server's.
		server := strings.HasPrefix(u, "redis") || strings.HasPrefix(u, "postgres")
		if !server && !strings.Contains(err.Error(), "accepted") {
			t.Errorf("Open(%q) = %q: does not say what is accepted", u, err)
		}
	}
}

func ExampleRedactURL() {
	fmt.Println(jobs.RedactURL("redis://app:s3cret@cache.internal:6379/0"))
	fmt.Println(jobs.RedactURL("postgres://app@db.internal/jobs?password=s3cret"))
	// A message, with the URL it is about: the password it quotes on its
	// own is hidden too.
	url := "redis://app:s3cret@cache.internal:6379/0"
	fmt.Println(jobs.RedactURL("dial "+url+": AUTH s3cret refused", url))
	// Output:
	// redis://app:xxxxx@cache.internal:6379/0
	// postgres://app@db.internal/jobs?password=xxxxx
	// dial redis://app:xxxxx@cache.internal:6379/0: AUTH xxxxx refused
}
