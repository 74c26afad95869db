package hostcheck_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/internal/hostcheck"
)

func TestAllows(t *testing.T) {
	p, err := hostcheck.New([]string{"dash.example.com", "10.0.0.5", "[FD00::5]", ".corp.example", " Jobs.Internal. "})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		// Loopback, which no outside DNS can hand out.
		"localhost": true, "localhost:8080": true, "LOCALHOST:8080": true, "localhost.:8080": true,
		"app.localhost:8080": true, "127.0.0.1": true, "127.0.0.1:8080": true, "127.0.0.5:8080": true,
		"127.255.255.254": true, "[::1]": true, "[::1]:8080": true, "[0:0::1]:8080": true, "::1": true,
		// Listed.
		"dash.example.com": true, "DASH.example.com:443": true, "dash.example.com.:80": true,
		"10.0.0.5:8080": true, "[fd00::5]:80": true, "[fd00:0::5]": true,
		"corp.example": true, "a.corp.example:8080": true, "a.b.corp.example": true, "jobs.internal:1": true,
		// Anything else: a rebinding page's own name above all.
		"evil.example": false, "evil.example:8080": false, "localhost.evil.example": false,
		"evil-localhost": false, "127.0.0.1.evil.example": false, "dash.example.com.evil.example": false,
		"xcorp.example": false, "10.0.0.6": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.168.1.2": false,
		"": false, ":8080": false, "localhost:http": false, "[::1]x": false,
	} {
		if got := p.Allows(host); got != want {
			t.Errorf("Allows(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestNoneAllowedMeansLoopbackOnly(t *testing.T) {
	p, err := hostcheck.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Allows("127.0.0.1:9090") || !p.Allows("localhost:9090") || p.Allows("evil.example:9090") {
		t.Error("an empty list should allow loopback and nothing else")
	}
}

func TestParseAllowedRefusesWithReason(t *testing.T) {
	for v, why := range map[string]string{
		"":                         "is empty",
		"   ":                      "is empty",
		"http://dash.example.com":  "URL",
		"dash.example.com/admin":   "URL",
		"dash.example.com:8080":    "has a port",
		"[fd00::5]:8080":           "has a port",
		"10.0.0.5:8080":            "has a port",
		"*.example.com":            "wildcard",
		"*":                        "wildcard",
		"dash example.com":         `has ' '`,
		"dash..example.com":        "empty or overlong label",
		".":                        "not a host name",
		"[10.0.0.5]":               "not an IPv6 address",
		"[fd00::5":                 "not an IPv6 address",
		strings.Repeat("a", 64):    "overlong label",
		"d\u00e4sh.example.com":    "which a host name cannot have",
		"dash.example.com\x00evil": "which a host name cannot have",
	} {
		_, err := hostcheck.ParseAllowed(v)
		if err == nil {
			t.Errorf("ParseAllowed(%q): no error", v)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, why) || !strings.Contains(msg, hostcheck.Accepted) || !strings.HasPrefix(msg, fmt.Sprintf("%q ", v)) {
			t.Errorf("ParseAllowed(%q) = %q: want the value, %q and what is accepted", v, msg, why)
		}
		if _, err := hostcheck.New([]string{"ok.example", v}); err == nil || err.Error() != msg {
			t.Errorf("New with %q: %v, want %q", v, err, msg)
		}
	}
}

func TestParseAllowedNormalizes(t *testing.T) {
	for v, want := range map[string]string{
		"Dash.Example.COM.": "dash.example.com",
		"[FD00:0::5]":       "fd00::5",
		"fd00::5":           "fd00::5",
		"10.0.0.5":          "10.0.0.5",
		".Corp.Example":     ".corp.example",
		"my_host":           "my_host",
	} {
		got, err := hostcheck.ParseAllowed(v)
		if err != nil || got != want {
			t.Errorf("ParseAllowed(%q) = %q, %v; want %q", v, got, err, want)
		}
	}
}

func TestHandlerRefusesWith421AndHint(t *testing.T) {
	p, err := hostcheck.New([]string{"dash.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "served") }),
		func(name string) string { return "allow it with --allowed-host " + name })
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "dash.example.com": 200, "evil.example:8080": 421} {
		r := httptest.NewRequest("GET", "/api/jobs", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Host %s: %d, want %d", host, w.Code, want)
		}
		if want != 421 {
			continue
		}
		body := w.Body.String()
		if strings.Count(body, "\n") != 1 || !strings.Contains(body, `Host "evil.example:8080"`) || !strings.HasSuffix(body, "allow it with --allowed-host evil.example\n") {
			t.Errorf("refusal body %q: want one line naming the Host and ending with the hint", body)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("refusal Content-Type %q, nosniff %q", ct, w.Header().Get("X-Content-Type-Options"))
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for h, want := range map[string]bool{
		"localhost": true, "LocalHost.": true, "x.localhost": true, "127.0.0.1": true, "127.9.9.9": true,
		"::1": true, "[::1]": true, "::ffff:127.0.0.1": true,
		"localhost.example": false, "0.0.0.0": false, "::": false, "128.0.0.1": false, "": false,
	} {
		if got := hostcheck.IsLoopback(h); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", h, got, want)
		}
	}
}
