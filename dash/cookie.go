package dash

import (
	"net/http"
	"strings"
	"time"
)

// setSession sets the session cookie: HttpOnly so scripts cannot read
// it, SameSite=Strict so other sites' requests do not carry it, Secure
// over HTTPS so it never travels in clear text.
func (a *auth) setSession(w http.ResponseWriter, r *http.Request, v string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: v, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.https(r),
		MaxAge: int(sessionTTL / time.Second),
	})
}

func (a *auth) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.https(r),
	})
}

// https reports whether the browser reached us over HTTPS: directly, or,
// when the proxy is trusted, by its X-Forwarded-Proto. Any "https" among
// the header's values counts: a proxy that appends rather than replaces
// leaves the client's own value first, and wrongly claiming HTTPS only
// makes the cookie stricter, never looser.
func (a *auth) https(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !a.trustProto {
		return false
	}
	for _, line := range r.Header.Values("X-Forwarded-Proto") {
		for v := range strings.SplitSeq(line, ",") {
			if strings.EqualFold(strings.TrimSpace(v), "https") {
				return true
			}
		}
	}
	return false
}
