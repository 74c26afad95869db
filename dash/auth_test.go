package dash_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs/store"
)

func TestTokenRequired(t *testing.T) {
	e := newEnv(t, dash.Options{Token: testToken})
	b := browser(t)
	for _, c := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"no token", nil, http.StatusUnauthorized},
		{"wrong token", map[string]string{"Authorization": "Bearer not-the-token-at-all"}, http.StatusUnauthorized},
		{"not bearer", map[string]string{"Authorization": "Basic " + testToken}, http.StatusUnauthorized},
		{"forged cookie", map[string]string{"Cookie": "spindle_dash=AAAA.BBBB"}, http.StatusUnauthorized},
		{"token", map[string]string{"Authorization": "Bearer " + testToken}, http.StatusOK},
	} {
		for _, path := range []string{"/api/overview", "/api/jobs", "/api/workers", "/api/revocations", "/"} {
			res, body := do(t, b, "GET", e.srv.URL+path, nil, c.hdr)
			if res.StatusCode != c.want {
				t.Errorf("%s: GET %s: %s, want %d\n%s", c.name, path, res.Status, c.want, body)
			}
		}
	}
	// The page itself answers 401 with the login form.
	res, body := do(t, browser(t), "GET", e.srv.URL+"/", nil, nil)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `name="token"`) {
		t.Fatalf("GET / without a token: %s, want 401 with a login form:\n%s", res.Status, body)
	}
}

func TestLoginSetsStrictCookie(t *testing.T) {
	e := newEnv(t, dash.Options{Token: testToken})
	b := browser(t)
	origin := map[string]string{"Origin": e.srv.URL}
	res, body := do(t, b, "POST", e.srv.URL+"/login", url.Values{"token": {"wrong-token-0123456789"}}, origin)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "not right") {
		t.Fatalf("login with a wrong token: %s\n%s", res.Status, body)
	}
	res, _ = do(t, b, "POST", e.srv.URL+"/login", url.Values{"token": {testToken}}, map[string]string{"Origin": "https://evil.example"})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin login: %s, want 403", res.Status)
	}
	res, _ = do(t, b, "POST", e.srv.URL+"/login", url.Values{"token": {testToken}}, origin)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %s, want 303", res.Status)
	}
	var c *http.Cookie
	for _, x := range res.Cookies() {
		if x.Name == "spindle_dash" {
			c = x
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v: want HttpOnly and SameSite=Strict", c)
	}
	csrf := e.openPage(t, b) // the cookie now opens the page
	res, body = do(t, b, "POST", e.srv.URL+"/logout", url.Values{"csrf": {csrf}}, origin)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %s\n%s", res.Status, body)
	}
	if res, _ := do(t, b, "GET", e.srv.URL+"/api/overview", nil, nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after logout: %s, want 401", res.Status)
	}
}

func TestPostNeedsCSRFAndSameOrigin(t *testing.T) {
	e := newEnv(t, dash.Options{})
	put(t, e.s, "01J00000000000000000000001", "q", []byte(`{}`), store.Dead, "boom")
	b := browser(t)
	csrf := e.openPage(t, b)
	retry := e.srv.URL + "/api/jobs/01J00000000000000000000001/retry"
	for _, c := range []struct {
		name string
		hdr  map[string]string
	}{
		{"no CSRF token", nil},
		{"wrong CSRF token", map[string]string{"X-CSRF-Token": csrf + "x"}},
		{"cross-origin", map[string]string{"X-CSRF-Token": csrf, "Origin": "https://evil.example"}},
		{"cross-site fetch", map[string]string{"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"}},
		{"same-site fetch", map[string]string{"X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-site"}},
	} {
		res, body := do(t, b, "POST", retry, url.Values{}, c.hdr)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %s, want 403\n%s", c.name, res.Status, body)
		}
	}
	// Another browser's token does not fit this browser's session.
	other := e.openPage(t, browser(t))
	if res, _ := do(t, b, "POST", retry, url.Values{}, map[string]string{"X-CSRF-Token": other}); res.StatusCode != http.StatusForbidden {
		t.Errorf("another session's CSRF token: %s, want 403", res.Status)
	}
	// GET never changes anything.
	if res, _ := do(t, b, "GET", retry, nil, nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET on an action: %s, want 405", res.Status)
	}
	res, body := do(t, b, "POST", retry, url.Values{}, map[string]string{"X-CSRF-Token": csrf, "Origin": e.srv.URL, "Sec-Fetch-Site": "same-origin"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("same-origin POST with the token: %s\n%s", res.Status, body)
	}
	if res, body := do(t, b, "POST", e.srv.URL+"/api/purge", url.Values{"state": {"dead"}, "csrf": {csrf}}, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("token in a form field: %s\n%s", res.Status, body)
	}
}

func TestBearerSkipsCSRFButNotOrigin(t *testing.T) {
	e := newEnv(t, dash.Options{Token: testToken})
	b := browser(t)
	auth := "Bearer " + testToken
	res, body := do(t, b, "POST", e.srv.URL+"/api/queues/q/pause", url.Values{}, map[string]string{"Authorization": auth})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("script with the token: %s\n%s", res.Status, body)
	}
	res, _ = do(t, b, "POST", e.srv.URL+"/api/queues/q/resume", url.Values{}, map[string]string{"Authorization": auth, "Origin": "https://evil.example"})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin with the token: %s, want 403", res.Status)
	}
	if res, _ := do(t, b, "POST", e.srv.URL+"/api/queues/q/resume", url.Values{}, nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST without the token: %s, want 401", res.Status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, dash.Options{})
	for _, path := range []string{"/", "/assets/app.js", "/api/overview", "/nope"} {
		res, _ := do(t, browser(t), "GET", e.srv.URL+path, nil, nil)
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no X-Content-Type-Options: nosniff", path)
		}
	}
	res, body := do(t, browser(t), "GET", e.srv.URL+"/", nil, nil)
	if strings.Contains(body, "<script>") || strings.Contains(body, " on") && strings.Contains(body, "onclick") {
		t.Errorf("the page has inline script:\n%s", body)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("page Cache-Control %q", res.Header.Get("Cache-Control"))
	}
}

func TestShortTokenRefused(t *testing.T) {
	_, err := dash.New(newEnv(t, dash.Options{}).c, dash.Options{Token: "short"})
	if err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Fatalf("New with a 5-character token: %v", err)
	}
}
