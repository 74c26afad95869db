package dash_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/dash"
)

// login posts the token from srvURL's own origin and returns the session
// cookie set.
func login(t *testing.T, c *http.Client, srvURL string, hdr map[string]string) *http.Cookie {
	t.Helper()
	h := map[string]string{"Origin": srvURL}
	for k, v := range hdr {
		h[k] = v
	}
	res, body := do(t, c, "POST", srvURL+"/login", url.Values{"token": {testToken}}, h)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %s\n%s", res.Status, body)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "spindle_dash" {
			return ck
		}
	}
	t.Fatalf("login set no session cookie: %v", res.Header["Set-Cookie"])
	return nil
}

func TestSessionCookieSecureOverTLS(t *testing.T) {
	e := newEnv(t, dash.Options{Token: testToken})
	tlsSrv := httptest.NewTLSServer(e.h)
	defer tlsSrv.Close()
	c := tlsSrv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if ck := login(t, c, tlsSrv.URL, nil); !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Errorf("over TLS: cookie %+v, want Secure, HttpOnly, SameSite=Strict", ck)
	}
	if ck := login(t, browser(t), e.srv.URL, nil); ck.Secure {
		t.Errorf("over plain HTTP: cookie %+v is Secure, and the browser would drop it", ck)
	}
}

// TestSessionCookieSecureBehindProxy: behind a proxy that terminates
// TLS, X-Forwarded-Proto says the browser used HTTPS, but only a proxy
// the operator trusts may say so.
func TestSessionCookieSecureBehindProxy(t *testing.T) {
	trusted := newEnv(t, dash.Options{Token: testToken, TrustForwardedProto: true})
	untrusted := newEnv(t, dash.Options{Token: testToken})
	for _, c := range []struct {
		name   string
		e      *env
		proto  string
		secure bool
	}{
		{"trusted, https", trusted, "https", true},
		{"trusted, HTTPS", trusted, "HTTPS", true},
		{"trusted, appended by a second proxy", trusted, "http, https", true},
		{"trusted, http", trusted, "http", false},
		{"trusted, none", trusted, "", false},
		{"untrusted, https", untrusted, "https", false},
	} {
		hdr := map[string]string{}
		if c.proto != "" {
			hdr["X-Forwarded-Proto"] = c.proto
		}
		if ck := login(t, browser(t), c.e.srv.URL, hdr); ck.Secure != c.secure {
			t.Errorf("%s: Secure %v, want %v", c.name, ck.Secure, c.secure)
		}
	}
	// The cookie that ends the session follows the same rule, or the
	// browser would not replace a Secure one.
	b := browser(t)
	login(t, b, trusted.srv.URL, nil)
	csrf := trusted.openPage(t, b)
	res, _ := do(t, b, "POST", trusted.srv.URL+"/logout", url.Values{"csrf": {csrf}},
		map[string]string{"Origin": trusted.srv.URL, "X-Forwarded-Proto": "https"})
	if cleared := res.Cookies(); len(cleared) != 1 || !cleared[0].Secure || cleared[0].MaxAge >= 0 {
		t.Errorf("logout behind a trusted proxy: cookies %+v, want one expired Secure cookie", cleared)
	}
}

// TestLogoutEndsSessionOnServer: a logged-out session's cookie, replayed
// (kept by malware, a shared machine, a proxy log), no longer works;
// other sessions do.
func TestLogoutEndsSessionOnServer(t *testing.T) {
	e := newEnv(t, dash.Options{Token: testToken})
	b := browser(t)
	ck := login(t, b, e.srv.URL, nil)
	other := login(t, browser(t), e.srv.URL, nil)
	replay := map[string]string{"Cookie": ck.Name + "=" + ck.Value}
	if res, _ := do(t, http.DefaultClient, "GET", e.srv.URL+"/api/overview", nil, replay); res.StatusCode != http.StatusOK {
		t.Fatalf("the session before logout: %s", res.Status)
	}
	csrf := e.openPage(t, b)
	if res, body := do(t, b, "POST", e.srv.URL+"/logout", url.Values{"csrf": {csrf}}, map[string]string{"Origin": e.srv.URL}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %s\n%s", res.Status, body)
	}
	for _, path := range []string{"/api/overview", "/api/jobs", "/"} {
		if res, _ := do(t, http.DefaultClient, "GET", e.srv.URL+path, nil, replay); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with the logged-out cookie replayed: %s, want 401", path, res.Status)
		}
	}
	post := map[string]string{"Cookie": replay["Cookie"], "X-CSRF-Token": csrf, "Origin": e.srv.URL}
	if res, _ := do(t, http.DefaultClient, "POST", e.srv.URL+"/api/queues/q/pause", url.Values{}, post); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST with the logged-out cookie and its CSRF token replayed: %s, want 401", res.Status)
	}
	if res, _ := do(t, http.DefaultClient, "GET", e.srv.URL+"/api/overview", nil, map[string]string{"Cookie": other.Name + "=" + other.Value}); res.StatusCode != http.StatusOK {
		t.Errorf("another session after this one logged out: %s, want 200", res.Status)
	}
	if ck2 := login(t, b, e.srv.URL, nil); ck2.Value == ck.Value {
		t.Error("logging in again gave the ended session back")
	}
}

// TestBearerAnyCase: the auth scheme's name is case-insensitive (RFC
// 9110, section 11.1); some clients send "bearer".
func TestBearerAnyCase(t *testing.T) {
	e := newEnv(t, dash.Options{Token: testToken})
	for auth, want := range map[string]int{
		"Bearer " + testToken: 200, "bearer " + testToken: 200, "BEARER " + testToken: 200, "bEaReR  " + testToken: 200,
		"Bearer": 401, "Bearer " + testToken + "x": 401, "Bearer" + testToken: 401, "Bearers " + testToken: 401, "Basic " + testToken: 401,
	} {
		res, _ := do(t, browser(t), "GET", e.srv.URL+"/api/overview", nil, map[string]string{"Authorization": auth})
		if res.StatusCode != want {
			t.Errorf("Authorization %q: %s, want %d", strings.ReplaceAll(auth, testToken, "TOKEN"), res.Status, want)
		}
	}
	// Scripts skip the CSRF token with it, in any case too.
	res, body := do(t, browser(t), "POST", e.srv.URL+"/api/queues/q/pause", url.Values{}, map[string]string{"Authorization": "bearer " + testToken})
	if res.StatusCode != http.StatusOK {
		t.Errorf("POST with a lower-case bearer: %s\n%s", res.Status, body)
	}
}
