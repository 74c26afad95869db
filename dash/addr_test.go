package dash_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/dash"
)

func TestCheckAddr(t *testing.T) {
	for _, c := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"127.0.0.2:8080", "", true},
		{"localhost:8080", "", true},
		{"[::1]:8080", "", true},
		{"0.0.0.0:8080", "", false},
		{":8080", "", false},
		{"[::]:8080", "", false},
		{"192.168.1.10:8080", "", false},
		{"dash.example.com:80", "", false},
		{"0.0.0.0:8080", testToken, true},
	} {
		err := dash.CheckAddr(c.addr, c.token)
		if (err == nil) != c.ok {
			t.Errorf("CheckAddr(%q, token=%v) = %v, want ok=%v", c.addr, c.token != "", err, c.ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "without a token") || !strings.Contains(err.Error(), "SPINDLE_DASH_TOKEN") || !strings.Contains(err.Error(), c.addr)) {
			t.Errorf("CheckAddr(%q): the message should name the address, the problem and the fix: %v", c.addr, err)
		}
	}
	if err := dash.CheckAddr("8080", ""); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("CheckAddr(8080) = %v, want a host:port error", err)
	}
}

func TestListenAndServeRefusesExposedAddrWithoutToken(t *testing.T) {
	e := newEnv(t, dash.Options{})
	err := dash.ListenAndServe(context.Background(), "0.0.0.0:0", e.h, func(net.Addr) { t.Error("it listened") })
	if err == nil || !strings.Contains(err.Error(), "refusing to listen on 0.0.0.0:0") {
		t.Fatalf("ListenAndServe on every interface without a token: %v", err)
	}
}

func TestListenAndServeStopsWithContext(t *testing.T) {
	e := newEnv(t, dash.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- dash.ListenAndServe(ctx, "127.0.0.1:0", e.h, func(a net.Addr) { addrs <- a }) }()
	a := <-addrs
	res, err := http.Get("http://" + a.String() + "/api/overview")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET: %s", res.Status)
	}
	// A live stream in progress must not hold the shutdown.
	stream, err := http.Get("http://" + a.String() + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe after cancel: %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
}

// The page and the overview show the store URL without its secrets,
// redacted by jobs.RedactURL.
func TestStoreURLIsRedacted(t *testing.T) {
	for in, want := range map[string]string{
		"sqlite:spindle.db":                         "sqlite:spindle.db",
		"memory:":                                   "memory:",
		"redis://:hunter2@127.0.0.1:6379/0":         "redis://:xxxxx@127.0.0.1:6379/0",
		"postgres://app:s3cret@db/jobs?sslmode=off": "postgres://app:xxxxx@db/jobs?sslmode=off",
		"postgres://db/jobs?password=s3cret&x=1":    "postgres://db/jobs?password=xxxxx&x=1",
		"redis://u:s3cret%zz@host":                  "redis://u:xxxxx@host",
		"redis://h/0?token=hunter2":                 "redis://h/0?token=xxxxx",
	} {
		e := newEnv(t, dash.Options{StoreURL: in})
		var o struct{ Store string }
		if code := getJSON(t, e, "/api/overview", &o); code != http.StatusOK || o.Store != want {
			t.Errorf("overview of %q: %d, store %q, want %q", in, code, o.Store, want)
		}
		_, page := do(t, browser(t), "GET", e.srv.URL+"/", nil, nil)
		if strings.Contains(page, "hunter2") || strings.Contains(page, "s3cret") {
			t.Errorf("the page of %q shows the password", in)
		}
	}
}

func TestBrowserURL(t *testing.T) {
	for _, c := range []struct {
		addr  string
		want  string
		every bool
	}{
		{"0.0.0.0:8093", "http://127.0.0.1:8093/", true},
		{"[::]:8093", "http://127.0.0.1:8093/", true},
		{"127.0.0.1:8080", "http://127.0.0.1:8080/", false},
		{"[::1]:8080", "http://[::1]:8080/", false},
		{"192.0.2.7:80", "http://192.0.2.7:80/", false},
	} {
		a, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got, every := dash.BrowserURL("http", a); got != c.want || every != c.every {
			t.Errorf("BrowserURL(%s) = %s, %v; want %s, %v", c.addr, got, every, c.want, c.every)
		}
	}
}
