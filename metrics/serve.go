package metrics

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spindlehq/spindle/internal/hostcheck"
)

// MinTokenLen is the shortest token [ListenAndServe] accepts.
const MinTokenLen = 16

// CheckAddr reports whether metrics may be served on addr (host:port)
// with the given token, by the dashboard's rule: a loopback address
// (127.0.0.0/8, ::1, "localhost") is always allowed; any other, including
// an empty host (every interface), needs a token, because queue and job
// names, and how busy each is, are no one else's business. A token must
// have at least [MinTokenLen] characters. The error says what was refused
// and how to fix it.
func CheckAddr(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("metrics: address %q: want host:port, such as 127.0.0.1:9090", addr)
	}
	if token != "" && len(token) < MinTokenLen {
		return fmt.Errorf("metrics: token of %d characters: want at least %d, e.g. from `openssl rand -hex 16`", len(token), MinTokenLen)
	}
	if isLoopback(host) || token != "" {
		return nil
	}
	shown := host
	if shown == "" {
		shown = "every interface"
	}
	return fmt.Errorf("metrics: refusing to serve metrics on %s (%s) without a token; set one (Prometheus then sends it as a bearer token), or listen on a loopback address such as 127.0.0.1:9090", addr, shown)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// ListenAndServe serves h (such as [Handler]) at /metrics on addr until
// ctx ends, then shuts the server down, letting scrapes in progress
// finish for up to 5 s, and returns nil. The address is checked with
// [CheckAddr] first. With a token, every request must carry
// "Authorization: Bearer TOKEN" (Prometheus: authorization.credentials
// in the scrape config; the word Bearer in any case) or is answered 401.
// Without one, only requests whose Host is a loopback name or address
// (localhost, *.localhost, 127.0.0.0/8, [::1], any port) are served,
// others get 421: metrics name queues and jobs, and a web page whose name
// its DNS rebinds to 127.0.0.1 could otherwise read them; to scrape under
// another name, set a token. ready, when not nil, is
// called with the bound address once the server listens (useful with
// port 0). It returns at once with an error if the address is refused or
// cannot be bound.
func ListenAndServe(ctx context.Context, addr, token string, h http.Handler, ready func(net.Addr)) error {
	if h == nil {
		return errors.New("metrics: ListenAndServe: nil handler")
	}
	if err := CheckAddr(addr, token); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", guard(token, h))
	srv := &http.Server{Handler: hostGuard(token, mux), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
	if ready != nil {
		ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("metrics: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: serve: %w", err)
	}
	return nil
}

// guard requires the bearer token when there is one.
func guard(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		cred = strings.TrimLeft(cred, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(cred), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="spindle metrics"`)
			http.Error(w, "send Authorization: Bearer TOKEN", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// hostGuard refuses Hosts that are not loopback when there is no token:
// then nothing else keeps a DNS rebinding page from reading the metrics.
// A token is the way to serve other names, and a rebound page lacks it.
func hostGuard(token string, h http.Handler) http.Handler {
	if token != "" {
		return h
	}
	p, _ := hostcheck.New(nil) // no names to reject
	return p.Handler(h, func(string) string {
		return "metrics without a token are served only under loopback names; to scrape them under another, serve them with a token (--metrics-token on a worker)"
	})
}
