// Package redact masks the secrets of store URLs in text. It holds the
// one rule behind jobs.RedactURL, so that the store drivers, which cannot
// import package jobs, mask URLs the same way; jobs.RedactURL documents
// the rule.
//
// Its functions are pure and safe for concurrent use.
package redact

import (
	"net/url"
	"sort"
	"strings"
	"unicode"
)

// Mark replaces every secret; it is the mark net/url's URL.Redacted uses.
const Mark = "xxxxx"

// Text returns s with its secrets replaced by [Mark]: those of the URL s
// starts with, of every scheme:// URL quoted in it, of every key=value
// pair whose key names a secret, and every secret of urls (see [Secrets])
// wherever it appears.
func Text(s string, urls ...string) string {
	spans := found(s)
	for _, u := range urls {
		for _, sec := range Secrets(u) {
			// Every place any secret covers is masked, so two secrets
			// that overlap in s are hidden whole, whatever their order.
			for i := 0; ; {
				k := strings.Index(s[i:], sec)
				if k < 0 {
					break
				}
				spans = append(spans, span{i + k, i + k + len(sec)})
				i += k + 1
			}
		}
	}
	return apply(s, spans)
}

// Secrets returns the strings of rawURL that must never be shown: what
// [Text] masks in it, as written and decoded, and the password and
// secret parameters as net/url decodes them. Empty strings and [Mark]
// are left out.
func Secrets(rawURL string) []string {
	var out []string
	seen := map[string]bool{"": true, Mark: true}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	_, spans := mask(rawURL)
	for _, s := range spans {
		add(s)
		if q := unquote(s); q != s {
			add(q)
		}
		if u, err := url.PathUnescape(s); err == nil {
			add(u)
		}
		if u, err := url.QueryUnescape(s); err == nil {
			add(u)
		}
	}
	if u, err := url.Parse(rawURL); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
			add(url.PathEscape(p))
			add(url.QueryEscape(p))
		}
		for k, vs := range u.Query() {
			if secretKey(k) {
				for _, v := range vs {
					add(v)
				}
			}
		}
	}
	return out
}

// Error returns err with [Text](err.Error(), urls...) as its text, or err
// itself when that changes nothing. errors.Is and errors.As still see
// the original error.
func Error(err error, urls ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := Text(msg, urls...)
	if red == msg {
		return err
	}
	return &redactedError{msg: red, err: err}
}

// redactedError is an error whose text had secrets removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// secretWords are the parts of a key that make its value a secret:
// password, passwd, pass, sslpassword, pwd, secret, client_secret, token,
// access_token, key, api_key, apikey, sslkey, auth, authSource,
// credential, credentials...
var secretWords = []string{"pass", "pwd", "secret", "token", "key", "auth", "credential"}

// secretKey reports whether the value of a query parameter or connection
// string pair named key is a secret: whether key, unescaped and
// lower-cased, holds one of pass, pwd, secret, token, key, auth or
// credential.
func secretKey(key string) bool {
	key = strings.ToLower(unescapeLoose(key))
	for _, w := range secretWords {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}

// unescapeLoose decodes the valid %XX escapes and "+" of a query key
// and keeps the rest as written, so that a key read with a stray "%"
// before it still shows the word an escape spells.
func unescapeLoose(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '+':
			b = append(b, ' ')
		case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// span is the half-open byte range [i, j) of a secret in a text.
type span struct{ i, j int }

// mask returns s with its secrets replaced by Mark, and the secrets.
func mask(s string) (string, []string) {
	spans := found(s)
	secrets := make([]string, 0, len(spans))
	for _, sp := range spans {
		if sp.j > sp.i {
			secrets = append(secrets, s[sp.i:sp.j])
		}
	}
	return apply(s, spans), secrets
}

// found returns where the secrets of s stand: the password of the URL s
// starts with, those of the URLs it quotes, and the values of the pairs
// whose key names a secret.
func found(s string) []span {
	var spans []span
	from := 0
	if sp, ok, skip := leading(s); ok {
		spans = append(spans, sp)
		from = sp.j
	} else {
		from = skip
	}
	spans = append(spans, quoted(s, from)...)
	spans = append(spans, params(s)...)
	return append(spans, querySpans(s)...)
}

// apply returns s with each span, overlapping ones merged, replaced by
// Mark.
func apply(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].i < spans[b].i })
	var b strings.Builder
	last := 0
	for k := 0; k < len(spans); {
		cur := spans[k]
		for k++; k < len(spans) && spans[k].i <= cur.j; k++ {
			cur.j = max(cur.j, spans[k].j)
		}
		b.WriteString(s[last:cur.i])
		b.WriteString(Mark)
		last = cur.j
	}
	b.WriteString(s[last:])
	return b.String()
}

// leading returns the password of the URL s starts with, when s is read
// as one URL, and otherwise where the search for URLs quoted in s starts
// (past the "scheme://" of a store that takes no password).
//
// A text that starts with "scheme://" is one URL to its end: its
// password runs from the first ":" after the "//" to the last "@", so a
// password holding "/", "?", "#", "@" or a space is hidden whole (and a
// message that goes on past the URL may lose more than the password). A
// text with no "//" and no space, "redis:user:pw@host" or "user:pw@host",
// is read the same way.
func leading(s string) (sp span, ok bool, skip int) {
	scheme, rest, found := strings.Cut(s, ":")
	if !found || !isScheme(scheme) {
		scheme, rest = "", s
	}
	at := len(s) - len(rest)
	if strings.HasPrefix(rest, "//") {
		if noPassword(scheme) {
			return span{}, false, at + 2
		}
		sp, ok = userinfo(s, at+2, len(s))
		return sp, ok, at + 2
	}
	if noPassword(scheme) || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return span{}, false, 0
	}
	if sp, ok = userinfo(s, at, len(s)); ok {
		return sp, true, 0
	}
	// "user:pw@host" reads as scheme "user": the whole text may be the
	// user information.
	sp, ok = userinfo(s, 0, len(s))
	return sp, ok, 0
}

// userinfo returns the password of the user information that may start
// s[lo:hi]: everything from the first ":" to the last "@". In a
// well-formed URL that is exactly the password; when an "@" also follows
// the authority, the two cannot be told apart and the whole span is
// hidden.
func userinfo(s string, lo, hi int) (span, bool) {
	at := strings.LastIndexByte(s[lo:hi], '@')
	if at < 0 {
		return span{}, false
	}
	colon := strings.IndexByte(s[lo:lo+at], ':')
	if colon < 0 {
		return span{}, false // a user name alone
	}
	return span{lo + colon + 1, lo + at}, true
}

// quoted returns the passwords of the scheme:// URLs that s[from:]
// quotes. Such a URL ends at a space, a '"' or a '`'. A user name holding
// '[', ']', '<' or '>', which no URL's can, marks a usage pattern such as
// "redis://[user:password@]host" or "postgres://USER[:PASSWORD]@HOST",
// which is left as it is.
func quoted(s string, from int) []span {
	var out []span
	for from < len(s) {
		k := strings.Index(s[from:], "://")
		if k < 0 {
			break
		}
		k += from
		start := k + 3
		end := start
		for end < len(s) && !endsQuotedURL(s[end]) {
			end++
		}
		from = end
		sch := k
		for sch > 0 && isSchemeByte(s[sch-1]) {
			sch--
		}
		if noPassword(s[sch:k]) {
			continue
		}
		sp, ok := userinfo(s, start, end)
		if ok && !strings.ContainsAny(s[start:sp.i], "[]<>") {
			out = append(out, sp)
		}
	}
	return out
}

func endsQuotedURL(c byte) bool {
	return c == '"' || c == '`' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// params returns the values of the key=value pairs of s whose key names
// a secret (see [secretKey]): query parameters, and the pairs of a
// key=value connection string, where spaces may surround the "=" and a
// value may be quoted with ' or ". An unquoted value ends at "&", ";",
// "#", a space or '"'; a quoted one at its closing quote, or the end of
// s when there is none.
func params(s string) []span {
	var out []span
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		kEnd := i
		for kEnd > 0 && s[kEnd-1] == ' ' {
			kEnd--
		}
		k := kEnd
		for k > 0 && isKeyByte(s[k-1]) {
			k--
		}
		if k == kEnd || !secretKey(s[k:kEnd]) {
			continue
		}
		v := i + 1
		for v < len(s) && s[v] == ' ' {
			v++
		}
		end := valueEnd(s, v)
		out = append(out, span{v, end})
		i = max(end, i+1) - 1
	}
	return out
}

// querySpans returns, when s parses as a URL, the values of its query
// parameters whose key names a secret, with the query read exactly as
// net/url reads it: after the first "?" of what precedes the first "#",
// pairs split at "&", the key up to a pair's first "=" ("a?b=c" has the
// key "a?b" there), a pair holding ";" dropped. A value ends at a quote
// or a backquote, so the quotes around a URL stay; spaces are part of it,
// as for net/url. params reads pairs in any text; this catches the keys only
// net/url's reading of a URL gives.
func querySpans(s string) []span {
	if _, err := url.Parse(s); err != nil {
		return nil
	}
	rest, _, _ := strings.Cut(s, "#")
	q := strings.IndexByte(rest, '?')
	if q < 0 {
		return nil
	}
	var out []span
	off := q + 1
	for _, pair := range strings.Split(rest[q+1:], "&") {
		key, value, ok := strings.Cut(pair, "=")
		if ok && value != "" && !strings.Contains(pair, ";") && secretKey(key) {
			v := off + len(key) + 1
			e := v
			for e < off+len(pair) && s[e] != '"' && s[e] != '`' {
				e++
			}
			if e > v {
				out = append(out, span{v, e})
			}
		}
		off += len(pair) + 1
	}
	return out
}

// valueEnd returns where the value that starts at s[v] ends.
func valueEnd(s string, v int) int {
	if v < len(s) && (s[v] == '\'' || s[v] == '"') {
		q := s[v]
		for e := v + 1; e < len(s); e++ {
			switch s[e] {
			case '\\':
				e++
			case q:
				return e + 1
			}
		}
		return len(s)
	}
	e := v
	for e < len(s) && !strings.ContainsRune("&;#\" \t\n\r\v\f", rune(s[e])) {
		e++
	}
	return e
}

// unquote returns s without the quotes of a quoted connection string
// value, or s.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// isKeyByte reports whether c can be part of a pair's key. A query key
// is whatever net/url reads between "&" (or "?") and "=", quotes and
// slashes included, so only the separators of queries and connection
// strings end one: "pAss!=x" and `pass"=x` name a secret as "password=x"
// does. A key read too long only masks more, since [secretKey] looks for
// a secret word anywhere in it.
func isKeyByte(c byte) bool {
	return c > ' ' && c != 0x7f && c != '&' && c != '?' && c != ';' && c != '#' && c != '='
}

// noPassword reports whether scheme names a store that takes no password,
// whose URLs are paths that may hold ":" and "@".
func noPassword(scheme string) bool {
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "memory", "file":
		return true
	}
	return false
}

// isScheme reports whether s is a URL scheme: a letter, then letters,
// digits, "+", "-" or ".".
func isScheme(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isSchemeByte(s[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isSchemeByte(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}
