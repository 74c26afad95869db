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

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"sqlite:spindle.db":                         "sqlite:spindle.db",
		"memory:":                                   "memory:",
		"redis://:hunter2@127.0.0.1:6379/0":         "redis://:xxxxx@127.0.0.1:6379/0",
		"postgres://app:s3cret@db/jobs?sslmode=off": "postgres://app:xxxxx@db/jobs?sslmode=off",
		"postgres://db/jobs?password=s3cret&x=1":    "postgres://db/jobs?password=xxxxx&x=1",
		"redis://u:p%zz@host":                       "redis:(rest hidden: it does not parse)",
	} {
		got := dash.RedactURL(in)
		if got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "hunter2") || strings.Contains(got, "s3cret") {
			t.Errorf("RedactURL(%q) leaks the password: %q", in, got)
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
