package metrics_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/metrics"
)

const token = "0123456789abcdef-metrics"

func TestCheckAddr(t *testing.T) {
	for _, tc := range []struct {
		addr, token string
		wantErr     []string
	}{
		{"127.0.0.1:9090", "", nil},
		{"[::1]:9090", "", nil},
		{"localhost:9090", "", nil},
		{"0.0.0.0:9090", token, nil},
		{"0.0.0.0:9090", "", []string{"refusing", "0.0.0.0:9090", "without a token", "127.0.0.1:9090"}},
		{":9090", "", []string{"every interface"}},
		{"10.1.2.3:9090", "", []string{"refusing"}},
		{"9090", "", []string{`address "9090"`, "host:port"}},
		{"127.0.0.1:9090", "short", []string{"at least 16"}},
	} {
		err := metrics.CheckAddr(tc.addr, tc.token)
		if len(tc.wantErr) == 0 {
			if err != nil {
				t.Errorf("CheckAddr(%q, %q): %v", tc.addr, tc.token, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("CheckAddr(%q, %q): no error", tc.addr, tc.token)
			continue
		}
		for _, w := range tc.wantErr {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("CheckAddr(%q, %q) = %v: does not mention %q", tc.addr, tc.token, err, w)
			}
		}
	}
}

// serve runs ListenAndServe on a free loopback port until the test ends.
func serve(t *testing.T, tok string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "spindle_up 1\n") })
	go func() { done <- metrics.ListenAndServe(ctx, "127.0.0.1:0", tok, h, func(a net.Addr) { addr <- a }) }()
	var a net.Addr
	select {
	case a = <-addr:
	case err := <-done:
		cancel()
		t.Fatalf("ListenAndServe: %v", err)
	}
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ListenAndServe after cancel: %v", err)
		}
	})
	return "http://" + a.String()
}

func get(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	return getHost(t, url, "", auth)
}

func TestListenAndServe(t *testing.T) {
	base := serve(t, "")
	if code, body := get(t, base+"/metrics", ""); code != 200 || body != "spindle_up 1\n" {
		t.Errorf("GET /metrics: %d %q", code, body)
	}
	if code, _ := get(t, base+"/", ""); code != 404 {
		t.Errorf("GET /: %d, want 404", code)
	}
}

func TestListenAndServeWithToken(t *testing.T) {
	base := serve(t, token)
	for _, auth := range []string{"", "Bearer wrong-token-0123456789", "Basic " + token, token} {
		if code, _ := get(t, base+"/metrics", auth); code != 401 {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
	if code, body := get(t, base+"/metrics", "Bearer "+token); code != 200 || body != "spindle_up 1\n" {
		t.Errorf("with the token: %d %q", code, body)
	}
}

func TestListenAndServeRefuses(t *testing.T) {
	ctx := context.Background()
	h := http.NotFoundHandler()
	if err := metrics.ListenAndServe(ctx, "0.0.0.0:0", "", h, nil); err == nil || !strings.Contains(err.Error(), "without a token") {
		t.Errorf("non-loopback without a token: %v", err)
	}
	if err := metrics.ListenAndServe(ctx, "127.0.0.1:0", "", nil, nil); err == nil || !strings.Contains(err.Error(), "nil handler") {
		t.Errorf("nil handler: %v", err)
	}
	// An address already taken is an error at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := metrics.ListenAndServe(ctx, ln.Addr().String(), "", h, nil); err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("address in use: %v", err)
	}
	// A context that already ended: it returns at once, as after a
	// shutdown.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := metrics.ListenAndServe(cctx, "127.0.0.1:0", "", h, nil); err != nil {
		t.Errorf("canceled context: %v", err)
	}
}

// getHost GETs url with auth as the Authorization header, if not empty,
// and host as the Host header, if not empty (a page on another name).
func getHost(t *testing.T, url, host, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = host // "" means the URL's
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestListenAndServeChecksHost: without a token, a page whose name DNS
// rebinds to 127.0.0.1 must not read the metrics; loopback names still
// can. A token makes the name irrelevant.
func TestListenAndServeChecksHost(t *testing.T) {
	base := serve(t, "")
	_, port, _ := strings.Cut(strings.TrimPrefix(base, "http://"), ":")
	for host, want := range map[string]int{
		"evil.example:" + port: 421, "evil.example": 421, "127.0.0.1.evil.example:" + port: 421,
		"localhost:" + port: 200, "127.0.0.5:" + port: 200, "[::1]:" + port: 200, "prometheus.localhost": 200,
	} {
		code, body := getHost(t, base+"/metrics", host, "")
		if code != want {
			t.Errorf("Host %s: %d, want %d: %s", host, code, want, body)
		}
		if code == 421 && (strings.Contains(body, "spindle_up") || !strings.Contains(body, `"`+host+`"`) || !strings.Contains(body, "--metrics-token") || strings.Count(body, "\n") != 1) {
			t.Errorf("Host %s: the refusal should be one line naming the Host and the way out: %q", host, body)
		}
	}
	if code, _ := getHost(t, base+"/nope", "evil.example", ""); code != 421 {
		t.Errorf("a rebound page learns which paths exist: %d, want 421", code)
	}
	withToken := serve(t, token)
	if code, body := getHost(t, withToken+"/metrics", "evil.example", "Bearer "+token); code != 200 {
		t.Errorf("with the token, under another name: %d %s", code, body)
	}
	if code, _ := getHost(t, withToken+"/metrics", "evil.example", ""); code != 401 {
		t.Errorf("under another name without the token: %d, want 401", code)
	}
}

// TestListenAndServeBearerAnyCase: the auth scheme's name is
// case-insensitive (RFC 9110, section 11.1), as some clients send it.
func TestListenAndServeBearerAnyCase(t *testing.T) {
	base := serve(t, token)
	for _, auth := range []string{"bearer " + token, "BEARER " + token, "Bearer  " + token} {
		if code, _ := get(t, base+"/metrics", auth); code != 200 {
			t.Errorf("Authorization %q: %d, want 200", auth, code)
		}
	}
	for _, auth := range []string{"Bearer", "Bearer" + token, "Bearer " + token + "x", "Bearers " + token} {
		if code, _ := get(t, base+"/metrics", auth); code != 401 {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
}
