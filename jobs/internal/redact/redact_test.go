package redact

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		// User information, well-formed or not.
		"redis://u:secret@127.0.0.1:6379/0":                 "redis://u:xxxxx@127.0.0.1:6379/0",
		"redis://:secret@127.0.0.1:6379":                    "redis://:xxxxx@127.0.0.1:6379",
		"postgres://app:s%40cret@h:5432/db?sslmode=disable": "postgres://app:xxxxx@h:5432/db?sslmode=disable",
		"postgres://u:sec:ret@h:bad/db":                     "postgres://u:xxxxx@h:bad/db",
		"redis://u:se/cret@h:6379":                          "redis://u:xxxxx@h:6379",
		"redis://u:se@cret@h:6379":                          "redis://u:xxxxx@h:6379",
		"redis://u:s3@cr@et@h:x/":                           "redis://u:xxxxx@h:x/",
		"postgres://u:sec ret@h/db":                         "postgres://u:xxxxx@h/db",
		"redis://u:p%zz@host":                               "redis://u:xxxxx@host",
		"u:secret@h":                                        "u:xxxxx@h",
		"redis:u:secret@h":                                  "redis:u:xxxxx@h",
		"%%%:::@@@":                                         "%%%:xxxxx@",
		"postgres://u@h/db":                                 "postgres://u@h/db",
		"redis://127.0.0.1:6379/0":                          "redis://127.0.0.1:6379/0",
		// Parameters whose keys name secrets, in URLs and DSNs.
		"postgres://h/db?user=app&password=secret&sslmode=off": "postgres://h/db?user=app&password=xxxxx&sslmode=off",
		"postgres://h/db?sslpassword=a&sslmode=verify-full":    "postgres://h/db?sslpassword=xxxxx&sslmode=verify-full",
		"0?pAss!=0000&x=1":  "0?pAss!=xxxxx&x=1",  // net/url reads "pAss!" as the key
		`0?pAss"=0000`:      `0?pAss"=xxxxx`,      // and `pAss"`
		`"0?pAss\"=0000"`:   `"0?pAss\"=xxxxx"`,   // as %q quotes it
		"0?pass/x=0000":     "0?pass/x=xxxxx",     // and "pass/x"
		"0?x%zz%70ass=0000": "0?x%zz%70ass=xxxxx", // a stray "%" hides no escape
		"0?pAss?=0000":      "0?pAss?=xxxxx",      // net/url's key is "pAss?"
		"0?pass x=0000":     "0?pass x=xxxxx",     // and "pass x"
		"h/?a=1&pass x=2#f": "h/?a=1&pass x=xxxxx#f",
		"?pAss?= 000":       "?pAss?=xxxxx", // the value starts with a space
		"https://h/x?access_token=a&api_key=b&apikey=c&q=1":     "https://h/x?access_token=xxxxx&api_key=xxxxx&apikey=xxxxx&q=1",
		"amqp://h/?Client_Secret=a;AUTH=b#PWD=c":                "amqp://h/?Client_Secret=xxxxx;AUTH=xxxxx#PWD=xxxxx",
		"redis://h/?pass%77ord=a&credentials=b&passwd=c&pass=d": "redis://h/?pass%77ord=xxxxx&credentials=xxxxx&passwd=xxxxx&pass=xxxxx",
		"host=h user=app password=secret dbname=d":              "host=h user=app password=xxxxx dbname=d",
		"host=h password='se cret' user=u":                      "host=h password=xxxxx user=u",
		"host=h password = secret user=u":                       "host=h password = xxxxx user=u",
		`host=h password="a \" b" user=u`:                       `host=h password=xxxxx user=u`,
		"host=h password='unterminated user=u":                  "host=h password=xxxxx",
		// Stores without passwords keep their paths.
		"sqlite:/srv/a:b@c.db":      "sqlite:/srv/a:b@c.db",
		"sqlite:///srv/a:b@c.db":    "sqlite:///srv/a:b@c.db",
		"file:x.db?mode=ro":         "file:x.db?mode=ro",
		"sqlite:a.db?_auth_pass=pw": "sqlite:a.db?_auth_pass=xxxxx",
		"memory:":                   "memory:",
		"":                          "",
		// Messages: every quoted URL, and nothing else.
		`open "postgres://app:pw@db/x": refused`:                   `open "postgres://app:xxxxx@db/x": refused`,
		"from elsewhere: amqp://u:guest@mq/ and redis://:b@h/0":    "from elsewhere: amqp://u:xxxxx@mq/ and redis://:xxxxx@h/0",
		"(store redis://h:6379/0): job send: mail bob@example.com": "(store redis://h:6379/0): job send: mail bob@example.com",
		"jobs: handler: bob@example.com: refused":                  "jobs: handler: bob@example.com: refused",
		"sqlite: open x.db: see sqlite:///a:b@c.db":                "sqlite: open x.db: see sqlite:///a:b@c.db",
		"dsn host=db password=opensesame":                          "dsn host=db password=xxxxx",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// Secrets of the URL that overlap in the text are hidden whole: one
// replaced first must not leave part of another.
func TestTextHidesOverlappingSecrets(t *testing.T) {
	raw := "A:// :Pw0rd0@pAss=0@000000000000"
	msg := "dial " + raw + ": auth Pw0rd0@pAss=0: refused"
	if got := Text(msg, raw); strings.Contains(got, "Pw0rd") {
		t.Errorf("Text(%q) = %q: the password shows", msg, got)
	}
}

// The usage patterns of the errors that say which URLs are accepted
// survive redaction of those errors.
func TestTextKeepsUsagePatterns(t *testing.T) {
	for _, usage := range []string{
		`"redis://[user:password@]host[:port][/db][?namespace=NAME]" or "rediss://..."`,
		`redis://[user:password@]host[:port][/db][?namespace=NAME&read_retry=30s&pool_size=N...] or rediss://... for TLS`,
		`want postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME&pool_max_conns=N&...]`,
		`redis://<user>:<password>@host`,
	} {
		msg := "open redis://u:s3cret@h:x/0: it does not parse; " + usage
		want := "open redis://u:xxxxx@h:x/0: it does not parse; " + usage
		if got := Text(msg, "redis://u:s3cret@h:x/0"); got != want {
			t.Errorf("Text(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestTextWithURLs(t *testing.T) {
	for _, tc := range []struct{ url, msg, want string }{
		{"postgres://app:pw@db/x", `open "postgres://app:pw@db/x": refused`, `open "postgres://app:xxxxx@db/x": refused`},
		{"postgres://app:p%40ss@db/x", "auth failed for p@ss", "auth failed for xxxxx"},
		{"postgres://app:p%20ss@db/x", "auth failed for p ss", "auth failed for xxxxx"},
		{"redis://:secret@127.0.0.1:6379/0", "dial redis://:secret@127.0.0.1:6379/0", "dial redis://:xxxxx@127.0.0.1:6379/0"},
		{"postgres://db/x?password=hunter2&sslmode=disable", "bad url postgres://db/x?password=hunter2&sslmode=disable", "bad url postgres://db/x?password=xxxxx&sslmode=disable"},
		{"host=db password='a b'", "cannot reach db as a b", "cannot reach db as xxxxx"},
		{"weird://u:pa ss@x", "cannot reach weird://u:pa ss@x with pa ss", "cannot reach weird://u:xxxxx@x with xxxxx"},
		{"sqlite:spindle.db", "sqlite:spindle.db is fine", "sqlite:spindle.db is fine"},
		{"", "nothing to hide", "nothing to hide"},
	} {
		if got := Text(tc.msg, tc.url); got != tc.want {
			t.Errorf("Text(%q, %q) = %q, want %q", tc.msg, tc.url, got, tc.want)
		}
	}
}

func TestError(t *testing.T) {
	inner := errors.New("refused")
	err := Error(fmt.Errorf("dial redis://u:s3cret@h: auth s3cret: %w", inner), "redis://u:s3cret@h")
	if strings.Contains(err.Error(), "s3cret") || !errors.Is(err, inner) {
		t.Errorf("Error = %q (Is: %v)", err, errors.Is(err, inner))
	}
	if Error(inner, "redis://u:s3cret@h") != inner {
		t.Error("Error wrapped an error it did not change")
	}
	if Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
}
