package cli

import (
	"errors"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ url, msg, want string }{
		{"postgres://app:pw@db/x", `open "postgres://app:pw@db/x": refused`, `open "postgres://app:xxxxx@db/x": refused`},
		{"postgres://app:p%40ss@db/x", "auth failed for p@ss", "auth failed for xxxxx"},
		{"redis://:secret@127.0.0.1:6379/0", "dial redis://:secret@127.0.0.1:6379/0", "dial redis://:xxxxx@127.0.0.1:6379/0"},
		{"postgres://db/x?password=hunter2&sslmode=disable", "bad url postgres://db/x?password=hunter2&sslmode=disable", "bad url postgres://db/x?password=xxxxx&sslmode=disable"},
		{"sqlite:spindle.db", "sqlite:spindle.db is fine", "sqlite:spindle.db is fine"},
		// A URL this code was never given is still masked.
		{"", "from elsewhere: amqp://u:guest@mq/", "from elsewhere: amqp://u:xxxxx@mq/"},
		{"", "dsn host=db password=opensesame", "dsn host=db password=xxxxx"},
	} {
		if got := redact(tc.msg, tc.url); got != tc.want {
			t.Errorf("redact(%q, %q) = %q, want %q", tc.msg, tc.url, got, tc.want)
		}
	}
	if got := redactURL("postgres://app:pw@db/x"); got != "postgres://app:xxxxx@db/x" {
		t.Errorf("redactURL: %q", got)
	}
}

func TestScrubErrorUsesTheStoreFlag(t *testing.T) {
	root := NewCommand(Config{Name: "spindle"})
	if err := root.PersistentFlags().Set(storeFlag, "weird://u:pa ss@x"); err != nil {
		t.Fatal(err)
	}
	got := scrubError(errors.New("cannot reach weird://u:pa ss@x with pa ss"), root)
	if strings.Contains(got, "pa ss") {
		t.Errorf("scrubError left the password: %q", got)
	}
}
