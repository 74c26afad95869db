package dash_test

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/dash"
)

// doHost is do with the Host header a browser sends for a page on host.
func doHost(t *testing.T, e *env, method, path, host string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{Transport: hostTransport(host)}
	var form url.Values
	if method == "POST" {
		form = url.Values{}
	}
	return do(t, c, method, e.srv.URL+path, form, hdr)
}

// hostTransport sends every request with Host set to host.
type hostTransport string

func (h hostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = string(h)
	return http.DefaultTransport.RoundTrip(r)
}

func port(e *env) string { return strconv.Itoa(e.srv.Listener.Addr().(*net.TCPAddr).Port) }

// TestHostCheckWithoutToken: a page whose name DNS rebinds to 127.0.0.1
// reaches the dashboard with its own name in Host; without a token only
// loopback names and the allowed hosts are served.
func TestHostCheckWithoutToken(t *testing.T) {
	e := newEnv(t, dash.Options{AllowedHosts: []string{"dash.internal", ".corp.example"}, Metrics: http.NotFoundHandler()})
	p := port(e)
	for _, host := range []string{"evil.example:" + p, "evil.example", "localhost.evil.example:" + p, "127.0.0.1.nip.io:" + p, "corp.example.evil:" + p} {
		for _, path := range []string{"/", "/api/overview", "/api/jobs", "/assets/app.js", "/login", "/metrics", "/nope"} {
			res, body := doHost(t, e, "GET", path, host, nil)
			if res.StatusCode != http.StatusMisdirectedRequest {
				t.Errorf("Host %s: GET %s: %s, want 421", host, path, res.Status)
				continue
			}
			name, _, _ := strings.Cut(host, ":")
			for _, want := range []string{`Host "` + host + `"`, "--allowed-host " + name, "Options.AllowedHosts", "--token"} {
				if !strings.Contains(body, want) {
					t.Errorf("Host %s: the refusal lacks %q: %q", host, want, body)
				}
			}
			if strings.Count(body, "\n") != 1 {
				t.Errorf("Host %s: the refusal is not one line: %q", host, body)
			}
		}
		if res, _ := doHost(t, e, "POST", "/api/queues/q/pause", host, map[string]string{"Origin": "http://" + host}); res.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("Host %s: POST pause: %s, want 421", host, res.Status)
		}
	}
	for _, host := range []string{"localhost:" + p, "LOCALHOST", "app.localhost:" + p, "127.0.0.1:" + p, "127.0.0.5:" + p, "[::1]:" + p,
		"dash.internal:" + p, "Dash.Internal.", "corp.example", "jobs.corp.example:" + p} {
		if res, body := doHost(t, e, "GET", "/api/overview", host, nil); res.StatusCode != http.StatusOK {
			t.Errorf("Host %s: %s, want 200\n%s", host, res.Status, body)
		}
	}
}

// TestHostCheckWithToken: the rule with a token. A rebound page carries
// neither the token nor the session cookie (its origin differs), so any
// Host is served, unless AllowedHosts pins the names.
func TestHostCheckWithToken(t *testing.T) {
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	open := newEnv(t, dash.Options{Token: testToken})
	if res, body := doHost(t, open, "GET", "/api/overview", "dash.example.com", bearer); res.StatusCode != http.StatusOK {
		t.Errorf("token, any host: %s\n%s", res.Status, body)
	}
	if res, _ := doHost(t, open, "GET", "/api/overview", "evil.example", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("token, another host, no token: %s, want 401", res.Status)
	}

	pinned := newEnv(t, dash.Options{Token: testToken, AllowedHosts: []string{"dash.example.com"}})
	for host, want := range map[string]int{"dash.example.com": 200, "127.0.0.1:" + port(pinned): 200, "evil.example": 421} {
		res, body := doHost(t, pinned, "GET", "/api/overview", host, bearer)
		if res.StatusCode != want {
			t.Errorf("token and AllowedHosts, Host %s: %s, want %d\n%s", host, res.Status, want, body)
		}
		if want == 421 && (!strings.Contains(body, "--allowed-host evil.example") || strings.Contains(body, "--token")) {
			t.Errorf("token and AllowedHosts: the hint should name --allowed-host and not offer a token: %q", body)
		}
	}
}

func TestAllowedHostsRefusedAtNew(t *testing.T) {
	c := newEnv(t, dash.Options{}).c
	for _, v := range []string{"dash.example.com:8080", "http://dash.example.com", "*.example.com", ""} {
		_, err := dash.New(c, dash.Options{AllowedHosts: []string{"ok.example", v}})
		if err == nil || !strings.Contains(err.Error(), "dash: Options.AllowedHosts: "+strconv.Quote(v)) || !strings.Contains(err.Error(), "want a host name") {
			t.Errorf("AllowedHosts %q: %v, want an error naming the option, the value and what is accepted", v, err)
		}
	}
	if _, err := dash.New(c, dash.Options{Token: testToken, AllowedHosts: []string{"a b"}}); err == nil {
		t.Error("a bad allowed host with a token: no error")
	}
}
