package dash

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"time"
)

// sessionCookie holds a signed session: with a token, proof of a login;
// without one, only the anchor of the CSRF token.
const sessionCookie = "spindle_dash"

// sessionTTL is how long a login lasts.
const sessionTTL = 12 * time.Hour

// minTokenLen keeps a guessable token from guarding an exposed dashboard.
const minTokenLen = 16

// auth checks tokens, sessions and CSRF tokens. Sessions are signed, not
// stored, so nothing grows with the number of browsers; only those ended
// by a logout are remembered, until they would have expired. The key is
// made per Handler, so a restart logs everyone out.
type auth struct {
	token      []byte
	key        [32]byte
	cop        *http.CrossOriginProtection
	trustProto bool // X-Forwarded-Proto: https counts as HTTPS
	ended      endedSessions
}

func newAuth(token string, trustProto bool) *auth {
	a := &auth{token: []byte(token), cop: http.NewCrossOriginProtection(), trustProto: trustProto}
	_, _ = rand.Read(a.key[:])
	return a
}

func (a *auth) sign(kind, v string) string {
	m := hmac.New(sha256.New, a.key[:])
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newSession returns a cookie value valid until now+sessionTTL.
func (a *auth) newSession(now time.Time) string {
	var b [24]byte
	_, _ = rand.Read(b[:16])
	binary.BigEndian.PutUint64(b[16:], uint64(now.Add(sessionTTL).Unix()))
	p := base64.RawURLEncoding.EncodeToString(b[:])
	return p + "." + a.sign("session", p)
}

// validSession reports whether v is a session this handler signed that
// has neither expired nor been ended by a logout.
func (a *auth) validSession(v string, now time.Time) bool {
	p, exp, ok := a.parseSession(v)
	return ok && now.Unix() < exp && !a.ended.has(p, exp)
}

// parseSession returns the payload of a session this handler signed and
// its expiry in Unix seconds.
func (a *auth) parseSession(v string) (p string, exp int64, ok bool) {
	p, sig, ok := strings.Cut(v, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(a.sign("session", p))) {
		return "", 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || len(b) != 24 {
		return "", 0, false
	}
	return p, int64(binary.BigEndian.Uint64(b[16:])), true
}

// endSession makes the valid session v invalid from now on, even if its
// cookie is replayed.
func (a *auth) endSession(v string, now time.Time) {
	if p, exp, ok := a.parseSession(v); ok {
		a.ended.add(p, exp, now)
	}
}

// csrf is the CSRF token of a session: without the session cookie, which
// another site's page cannot read, it cannot be computed.
func (a *auth) csrf(session string) string { return a.sign("csrf", session) }

// session returns the request's valid session cookie, or "".
func (a *auth) session(r *http.Request, now time.Time) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !a.validSession(c.Value, now) {
		return ""
	}
	return c.Value
}

// bearer reports whether the request carries the token in an
// Authorization header. Browsers never add that header on their own, so
// such a request cannot be forged by another site.
func (a *auth) bearer(r *http.Request) bool {
	if len(a.token) == 0 {
		return false
	}
	v, ok := bearerCredentials(r.Header.Get("Authorization"))
	return ok && a.tokenOK(v)
}

// bearerCredentials returns the credentials of an Authorization header
// of the Bearer scheme, whose name is case-insensitive (RFC 9110,
// section 11.1).
func bearerCredentials(h string) (string, bool) {
	scheme, v, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimLeft(v, " "), true
}

func (a *auth) tokenOK(v string) bool {
	return len(a.token) > 0 && subtle.ConstantTimeCompare([]byte(v), a.token) == 1
}

// authenticated reports whether the request may see the dashboard.
func (a *auth) authenticated(r *http.Request, now time.Time) bool {
	return len(a.token) == 0 || a.bearer(r) || a.session(r, now) != ""
}

// forbidPost returns why a state-changing request is refused, or "": it
// must come from this origin (Sec-Fetch-Site or Origin, checked by
// net/http's CrossOriginProtection) and carry the session's CSRF token in
// the X-CSRF-Token header or a csrf form field, unless it authenticated
// with a bearer token.
func (a *auth) forbidPost(r *http.Request, now time.Time) string {
	if err := a.cop.Check(r); err != nil {
		return "cross-origin request refused"
	}
	if a.bearer(r) {
		return ""
	}
	s := a.session(r, now)
	if s == "" {
		return "no session: reload the page"
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	if got == "" || !hmac.Equal([]byte(got), []byte(a.csrf(s))) {
		return "missing or wrong CSRF token: reload the page"
	}
	return ""
}
