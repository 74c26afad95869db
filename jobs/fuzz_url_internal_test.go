package jobs

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spindlehq/spindle/jobs/internal/redact"
	"github.com/spindlehq/spindle/jobs/store"
)

// pwMark starts every password the URL fuzz targets plant, so a leak is a
// plain substring search.
const pwMark = "Pw0rd"

// FuzzParseStoreURL: taking the scheme never panics, and every error
// says what is accepted and quotes the URL only redacted.
func FuzzParseStoreURL(f *testing.F) {
	for _, s := range []string{
		"", "memory:", "memory://", "MEMORY:", "memory:/x", "sqlite:spindle.db", "sqlite:///var/lib/app.db",
		"sqlite://rel/x.db", "sqlite3:x.db", "sqlite:", "sqlite://", "spindle.db", ":", "::", "redis://127.0.0.1:6379/0",
		"redis://u:" + pwMark + "@127.0.0.1:6379/0", "postgres://u:" + pwMark + "@h:5432/db?sslmode=disable",
		"postgres://h/db?password=" + pwMark, "u:" + pwMark + "@host", "\x00:\xff", "sq\u00e9lite:x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scheme, err := storeScheme(s)
		if err == nil {
			if scheme == "" || strings.ContainsRune(scheme, ':') || scheme != strings.ToLower(scheme) {
				t.Fatalf("storeScheme(%q) = %q: not a lower-case scheme", s, scheme)
			}
			if s != "" && !strings.HasPrefix(strings.ToLower(s), scheme+":") {
				t.Fatalf("storeScheme(%q) = %q: not the URL's scheme", s, scheme)
			}
			// What no driver takes is refused with the import or the
			// accepted forms, never the password.
			if _, ok := store.Lookup(scheme); !ok {
				err = unregistered(s, scheme)
			} else {
				return
			}
		}
		msg := err.Error()
		if !strings.Contains(msg, "accepted:") && !strings.Contains(msg, "add the import") {
			t.Fatalf("storeScheme(%q): %q does not say what is accepted", s, msg)
		}
		if !utf8.ValidString(msg) {
			t.Fatalf("storeScheme(%q): error is not valid UTF-8: %q", s, msg)
		}
		// The error quotes the URL (and the scheme) with %q, so a secret
		// shows there escaped. A secret the input holds twice, or that
		// quoting the input spells again (a NUL before "00" reads
		// "\x0000"), cannot be told from the rest of the text, nor can one
		// holding '"', which the quotes around the scheme can spell: only
		// the others, standing once, are checked.
		for _, sec := range redact.Secrets(s) {
			esc := strconv.Quote(sec)
			esc = esc[1 : len(esc)-1]
			if len(sec) >= 4 && !strings.Contains(sec, `"`) && strings.Count(s, sec) == 1 &&
				strings.Count(strconv.Quote(s), esc) <= 1 && !strings.Contains(acceptedURLs, sec) && strings.Contains(msg, esc) {
				t.Fatalf("storeScheme(%q): error %q contains the password %q", s, msg, sec)
			}
		}
	})
}

// schemeRE matches a URL scheme, with which RedactURL reads a text as
// one URL.
var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// FuzzRedactURL plants a password in a URL of any shape and checks that
// RedactURL, the errors of storeScheme, unregistered and redactError never show it.
func FuzzRedactURL(f *testing.F) {
	seeds := [][4]string{
		{"redis", "u", "secret", "127.0.0.1:6379/0"},
		{"redis", "", "secret", "127.0.0.1:6379/0"},
		{"rediss", "default", "p/a?s#s", "h:6380"},
		{"postgres", "app", "p@ss", "h:5432/db?sslmode=disable"},
		{"postgresql", "app", "a%40b%2Fc", "h/db?x=a@b"},
		{"postgres", "a:b", "c", "h"},
		{"Redis", "u@x", "y", "h/0?password=z"},
		{"x", "", "", ""},
		{"pg", "u", "\xff\xfe", "h"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, scheme, user, pass, rest string) {
		raw := scheme + "://" + user + ":" + pwMark + pass + "@" + rest
		red := RedactURL(raw)
		if utf8.ValidString(raw) && !utf8.ValidString(red) {
			t.Fatalf("RedactURL(%q) = %q: not valid UTF-8", raw, red)
		}
		// Any text at all, not only URLs, goes through without a panic.
		_ = RedactURL(scheme + user + pass + rest)
		_ = RedactURL(pass)
		switch strings.ToLower(scheme) {
		case "sqlite", "sqlite3", "memory", "file":
			return // no passwords there, so none is hidden
		}
		if !schemeRE.MatchString(scheme) || strings.Count(raw, pwMark) != 1 {
			return
		}
		if strings.Contains(red, pwMark) {
			t.Fatalf("RedactURL(%q) = %q: the password shows", raw, red)
		}
		// Server stores take passwords; any other scheme is refused, and
		// the refusal must not quote the password.
		if sch, err := storeScheme(raw); err != nil && strings.Contains(err.Error(), pwMark) {
			t.Fatalf("storeScheme(%q): %q shows the password", raw, err)
		} else if err == nil {
			if err := unregistered(raw, sch); strings.Contains(err.Error(), pwMark) {
				t.Fatalf("unregistered(%q): %q shows the password", raw, err)
			}
		}
		// A store that quotes the URL, or the decoded password, is scrubbed.
		// A store quotes the URL, and the password as its own parser sees
		// it when the URL parses.
		quoted := ""
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			quoted, _ = u.User.Password()
		}
		inner := errors.New("refused")
		err := redactError(raw, fmt.Errorf("dial %s: auth %s: %w", raw, quoted, inner))
		if strings.Contains(err.Error(), pwMark) {
			t.Fatalf("redactError(%q) = %q: the password shows", raw, err)
		}
		if !errors.Is(err, inner) {
			t.Fatalf("redactError(%q) lost the error chain", raw)
		}
	})
}
