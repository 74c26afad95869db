package jobs

import (
	"net/url"
	"regexp"
	"strings"
)

// redactMark replaces a password in what [RedactURL] returns; it is the
// mark net/url's URL.Redacted uses.
const redactMark = "xxxxx"

// RedactURL returns storeURL with any password replaced by "xxxxx", for
// logs and error messages: the password of user:password@ and the value
// of a password=, pass= or pwd= parameter. It never fails: text that does
// not parse as a URL is redacted by its shape, and when the shape is
// ambiguous (an unescaped "/", "?" or "@" in a password) more is redacted
// rather than less, so a mistyped URL does not leak its password into the
// error that reports it. URLs of stores that take no password (sqlite:,
// memory:, file:) are returned unchanged. It is a pure function, safe for
// concurrent use.
func RedactURL(storeURL string) string {
	red, _ := redact(storeURL)
	return red
}

// redact returns RedactURL(s) and the secrets it removed.
func redact(s string) (string, []string) {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || !isScheme(scheme) {
		scheme, rest = "", s // "user:pass@host" has no scheme
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "memory", "file":
		return s, nil
	}
	prefix := s[:len(s)-len(rest)]
	slashes := strings.HasPrefix(rest, "//")
	if slashes {
		prefix, rest = prefix+"//", rest[2:]
	}
	var secrets []string
	rest, secret := redactUserinfo(rest)
	if secret == "" && !slashes && prefix != "" {
		// "user:pass@host" reads as scheme "user": the whole text may be
		// the userinfo.
		prefix, rest = "", s
		rest, secret = redactUserinfo(rest)
	}
	if secret != "" {
		secrets = append(secrets, secret)
	}
	out := prefix + rest
	var b strings.Builder
	last := 0
	for _, m := range passwordParam.FindAllStringSubmatchIndex(out, -1) {
		// m[2:4] is the key and "="; the value follows up to m[1].
		if m[1] > m[3] {
			secrets = append(secrets, out[m[3]:m[1]])
		}
		b.WriteString(out[last:m[3]])
		b.WriteString(redactMark)
		last = m[1]
	}
	if last > 0 {
		b.WriteString(out[last:])
		out = b.String()
	}
	return out, secrets
}

// passwordParam matches a password given as a query parameter or as a
// key=value pair of a connection string.
var passwordParam = regexp.MustCompile(`(?i)((?:^|[?&;\s])(?:password|passwd|pass|pwd|sslpassword)=)[^&;#\s]*`)

// redactUserinfo redacts the password of the userinfo that may start s,
// the part of a URL after "scheme://", and returns the password it hid:
// everything from the first ":" to the last "@". In a well-formed URL
// that is exactly the password; when an "@" also follows the authority
// (a path or query holding one, or a password with an unescaped "/" or
// "?"), the two cannot be told apart and the whole span is hidden.
func redactUserinfo(s string) (string, string) {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s, ""
	}
	colon := strings.IndexByte(s[:at], ':')
	if colon < 0 {
		return s, "" // a user name alone
	}
	return s[:colon+1] + redactMark + s[at:], s[colon+1 : at]
}

// isScheme reports whether s is a URL scheme: a letter, then letters,
// digits, "+", "-" or ".".
func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// redactError scrubs the passwords of a store URL from an error that a
// store built, which may quote the URL or its decoded password.
// errors.Is and errors.As still see the original error.
func redactError(storeURL string, err error) error {
	if err == nil {
		return nil
	}
	_, secrets := redact(storeURL)
	// A store parses the URL itself and may quote the password as net/url
	// decodes it, which can differ from the span RedactURL hides.
	if u, perr := url.Parse(storeURL); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
	}
	msg := err.Error()
	scrubbed := msg
	for _, s := range secrets {
		forms := []string{s}
		if u, e := url.PathUnescape(s); e == nil && u != s {
			forms = append(forms, u)
		}
		if u, e := url.QueryUnescape(s); e == nil && u != s {
			forms = append(forms, u)
		}
		for _, f := range forms {
			if f != "" {
				scrubbed = strings.ReplaceAll(scrubbed, f, redactMark)
			}
		}
	}
	if scrubbed == msg {
		return err
	}
	return &redactedError{msg: scrubbed, err: err}
}

// redactedError is an error whose text had a password removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
