package dash

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// CheckAddr reports whether the dashboard may listen on addr (host:port)
// with the given token. A loopback address (127.0.0.0/8, ::1,
// "localhost") is always allowed; any other, including an empty host
// (every interface), needs a token, because whoever reaches the page can
// retry, delete and purge jobs. The error says what was refused and how
// to fix it.
func CheckAddr(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("dash: address %q: want host:port, such as 127.0.0.1:8080", addr)
	}
	if isLoopback(host) || token != "" {
		return nil
	}
	shown := host
	if shown == "" {
		shown = "every interface"
	}
	return fmt.Errorf("dash: refusing to listen on %s (%s) without a token: anyone who reaches it could retry, delete and purge jobs; set a token (--token or SPINDLE_DASH_TOKEN), or listen on a loopback address such as 127.0.0.1:8080", addr, shown)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// ListenAndServe checks addr with [CheckAddr] against the handler's token,
// listens, calls ready (if not nil) with the bound address, and serves h
// until ctx ends. Then it ends the live streams (h.Close), lets requests
// in progress finish for up to 5 s, and returns nil. It returns at once
// with the error if the address is refused or cannot be bound.
func ListenAndServe(ctx context.Context, addr string, h *Handler, ready func(net.Addr)) error {
	return serve(ctx, addr, h, nil, ready)
}

// ListenAndServeTLS is [ListenAndServe] over HTTPS with cfg, which must
// hold a certificate (Certificates or GetCertificate; see
// [tls.LoadX509KeyPair]). cfg is cloned; a zero MinVersion becomes TLS
// 1.2. Over TLS the session cookie is marked Secure. Like ListenAndServe
// it may be called from any goroutine and closes h when it returns, so
// each call wants a Handler of its own.
func ListenAndServeTLS(ctx context.Context, addr string, cfg *tls.Config, h *Handler, ready func(net.Addr)) error {
	if cfg == nil || len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return errors.New("dash: ListenAndServeTLS: no certificate: set tls.Config.Certificates, e.g. from tls.LoadX509KeyPair, or GetCertificate")
	}
	cfg = cfg.Clone()
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return serve(ctx, addr, h, cfg, ready)
}

// serve is ListenAndServe, over TLS when cfg is not nil.
func serve(ctx context.Context, addr string, h *Handler, cfg *tls.Config, ready func(net.Addr)) error {
	if err := CheckAddr(addr, h.opts.Token); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("dash: listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         cfg,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if ready != nil {
		ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() {
		if cfg != nil {
			served <- srv.ServeTLS(ln, "", "")
			return
		}
		served <- srv.Serve(ln)
	}()
	select {
	case err := <-served:
		h.Close()
		return fmt.Errorf("dash: serve: %w", err)
	case <-ctx.Done():
	}
	h.Close() // event streams would otherwise hold Shutdown for the whole grace
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("dash: serve: %w", err)
	}
	return nil
}

// BrowserURL returns the URL a browser on this machine can open for a
// server listening on a (the address [ListenAndServe] hands to ready),
// over scheme ("http" or "https"), and whether a is every interface
// (0.0.0.0 or [::]). A URL naming every interface does not open in a
// browser, so that case gives http://127.0.0.1:PORT/ instead (the
// loopback name, which the Host rule always allows); say alongside that
// the server listens on all interfaces. It is a pure function, safe from
// any goroutine.
func BrowserURL(scheme string, a net.Addr) (url string, everyInterface bool) {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return scheme + "://" + a.String() + "/", false
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host, everyInterface = "127.0.0.1", true
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/", everyInterface
}
