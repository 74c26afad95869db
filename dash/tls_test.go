package dash_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/internal/testcert"
)

func TestListenAndServeTLS(t *testing.T) {
	certFile, keyFile, roots := testcert.Write(t)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, dash.Options{Token: testToken})
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- dash.ListenAndServeTLS(ctx, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}}, e.h, func(a net.Addr) { addrs <- a })
	}()
	var base string
	select {
	case a := <-addrs:
		base = "https://" + a.String()
	case err := <-done:
		cancel()
		t.Fatalf("ListenAndServeTLS: %v", err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, body := do(t, c, "GET", base+"/api/overview", nil, map[string]string{"Authorization": "Bearer " + testToken}); res.StatusCode != http.StatusOK || res.TLS == nil {
		t.Errorf("GET over TLS: %s\n%s", res.Status, body)
	}
	if ck := login(t, c, base, nil); !ck.Secure {
		t.Errorf("session cookie over TLS: %+v, want Secure", ck)
	}
	tr.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("after cancel: %v", err)
	}
}

func TestListenAndServeTLSNeedsACertificate(t *testing.T) {
	e := newEnv(t, dash.Options{})
	for _, cfg := range []*tls.Config{nil, {}} {
		err := dash.ListenAndServeTLS(context.Background(), "127.0.0.1:0", cfg, e.h, func(net.Addr) { t.Error("it listened") })
		if err == nil || !strings.Contains(err.Error(), "no certificate") || !strings.Contains(err.Error(), "tls.LoadX509KeyPair") {
			t.Errorf("config %v: %v, want an error saying a certificate is needed and how", cfg, err)
		}
	}
}
