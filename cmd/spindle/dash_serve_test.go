package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/cli"
	"github.com/spindlehq/spindle/internal/testcert"
)

// getHost GETs url with the Host header set to host.
func getHost(t *testing.T, c *http.Client, url, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestDashAllowedHost: without a token the command serves loopback names
// and --allowed-host values, and tells a page under any other name how
// to allow it.
func TestDashAllowedHost(t *testing.T) {
	t.Setenv("SPINDLE_DASH_TOKEN", "")
	url := startDash(t, "--allowed-host", "dash.localdomain,.corp.example", "--allowed-host", "10.0.0.5")
	for _, path := range []string{"", "api/jobs", "metrics"} {
		code, body := getHost(t, http.DefaultClient, url+path, "evil.example")
		if code != http.StatusMisdirectedRequest || !strings.Contains(body, "--allowed-host evil.example") {
			t.Errorf("GET /%s as evil.example: %d, want 421 with the flag to allow it\n%s", path, code, body)
		}
	}
	for _, host := range []string{"dash.localdomain", "jobs.corp.example", "10.0.0.5", "localhost"} {
		if code, body := getHost(t, http.DefaultClient, url+"api/workers", host); code != http.StatusOK {
			t.Errorf("GET /api/workers as %s: %d\n%s", host, code, body)
		}
	}
}

func TestDashServesTLS(t *testing.T) {
	certFile, keyFile, roots := testcert.Write(t)
	url := startDash(t, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("URL %s: want https://", url)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	defer tr.CloseIdleConnections()
	if code, body := getHost(t, &http.Client{Transport: tr}, url+"api/workers", ""); code != http.StatusOK || !strings.Contains(body, `"workers"`) {
		t.Errorf("GET /api/workers over TLS: %d\n%s", code, body)
	}
}

func TestDashServeFlagsBadInput(t *testing.T) {
	certFile, keyFile, _ := testcert.Write(t)
	notPEM := filepath.Join(t.TempDir(), "cert.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args     []string
		mentions []string
	}{
		{[]string{"--tls-cert", certFile}, []string{"--tls-cert needs --tls-key"}},
		{[]string{"--tls-key", keyFile}, []string{"--tls-key needs --tls-cert"}},
		{[]string{"--tls-cert", certFile + ".missing", "--tls-key", keyFile}, []string{"--tls-cert", "no such file", "want PEM files"}},
		{[]string{"--tls-cert", notPEM, "--tls-key", keyFile}, []string{"--tls-cert " + notPEM, "want PEM files"}},
		{[]string{"--tls-cert", keyFile, "--tls-key", certFile}, []string{"want PEM files"}},
		{[]string{"--allowed-host", "dash.example.com:8080"}, []string{`--allowed-host "dash.example.com:8080" has a port`, "want a host name or IP address"}},
		{[]string{"--allowed-host", "http://dash.example.com"}, []string{`--allowed-host "http://dash.example.com" is a URL`}},
		{[]string{"--allowed-host", "*.example.com"}, []string{"wildcard", ".example.com"}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := runSpindle(t, "", "", append([]string{"dash", "--store", "memory:", "--addr", "127.0.0.1:0"}, c.args...)...)
			wantFail(t, r, cli.ExitUsage, c.mentions...)
		})
	}
}
