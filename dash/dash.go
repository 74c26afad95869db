// Package dash is Spindle's web dashboard: one page, served from the
// binary with its assets embedded, over a jobs.Client's inspector. It
// shows every queue with its counts per state and live throughput and
// run-time charts with an hour of history, lists jobs newest first with
// filters kept in the URL, shows one job's arguments, result, attempts
// and the workflow it belongs to, lists the workers running on the store
// and the schedules they fire, and lets an operator retry, revoke, delete
// and purge jobs, retry every failed job of a filter, revoke every job of
// a name (and restore it), and pause or resume queues.
//
// The handler is safe to expose only with a token (see [Options.Token]
// and [CheckAddr]); without one it answers only requests whose Host is a
// loopback name or one of [Options.AllowedHosts], which defeats DNS
// rebinding. It sends a strict Content-Security-Policy, renders job data
// only as text, and refuses state-changing requests that are
// cross-origin or lack the session's CSRF token. `spindle dash` serves
// it; mount [New]'s handler in your own server to embed it.
package dash

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.ParseFS(assets, "assets/*.html"))

// Options configures a [Handler]. Zero fields take the defaults. [New]
// reads it once: changing it, or the slices in it, afterwards has no
// effect.
type Options struct {
	// Token, when set, is required: as "Authorization: Bearer TOKEN" (the
	// scheme in any case), or through the login form, which sets an
	// HttpOnly, SameSite=Strict session cookie, Secure over HTTPS, that
	// logout ends on the server too. At least 16 characters. Empty means
	// no authentication: serve only on loopback ([CheckAddr]) and only to
	// loopback Host names or [Options.AllowedHosts].
	Token string
	// StoreURL is shown in the page header, with any password redacted.
	StoreURL string
	// Interval is how often the live view samples the store. Default 1s.
	Interval time.Duration
	// AllowedHosts are the host names and IP addresses, besides loopback
	// ones (localhost, *.localhost, 127.0.0.0/8, ::1), that a request's
	// Host header may name, with any port; ".example.com" allows that
	// domain and its subdomains. Without a token, a request for any other
	// Host gets 421 Misdirected Request: a page whose name the attacker's
	// DNS rebinds to 127.0.0.1 must not drive the dashboard. With a token,
	// any Host is served when AllowedHosts is empty, and only loopback and
	// these when it is not. List the names a reverse proxy or your own
	// server passes on in Host. [New] reports a value that is not a host.
	AllowedHosts []string
	// TrustForwardedProto makes "X-Forwarded-Proto: https" count as HTTPS,
	// so that the session cookie is marked Secure behind a proxy that
	// terminates TLS. Set it only behind a proxy that sets or strips that
	// header: otherwise any client can claim it. (Requests served over
	// TLS directly always count as HTTPS.)
	TrustForwardedProto bool
	// Metrics, when set, is served at /metrics (behind the token and the
	// Host check like everything else); see package metrics.
	Metrics http.Handler
	// Logger receives store errors. Default slog.Default().
	Logger *slog.Logger
}

// Handler serves the dashboard. It is safe for concurrent use. It holds
// one sampling goroutine while at least one page is open; Close ends the
// live streams and that goroutine.
type Handler struct {
	c     *jobs.Client
	in    *jobs.Inspector
	opts  Options
	auth  *auth
	mux   *http.ServeMux
	serve http.Handler // mux behind the Host check
	hub   *hub
	now   func() time.Time
}

// New returns the dashboard for c. It reports a token shorter than 16
// characters, a negative interval or an allowed host that is not a host
// name or address.
func New(c *jobs.Client, opts Options) (*Handler, error) {
	if c == nil {
		return nil, errors.New("dash: New: nil client")
	}
	if opts.Token != "" && len(opts.Token) < minTokenLen {
		return nil, fmt.Errorf("dash: token of %d characters: want at least %d, e.g. from `openssl rand -hex 16`", len(opts.Token), minTokenLen)
	}
	if opts.Interval < 0 {
		return nil, fmt.Errorf("dash: Interval %v: want 0 (default 1s) or more", opts.Interval)
	}
	if opts.Interval == 0 {
		opts.Interval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Handler{c: c, in: c.Inspect(), opts: opts, auth: newAuth(opts.Token, opts.TrustForwardedProto), now: time.Now}
	h.routes()
	serve, err := hostGuard(h.mux, opts)
	if err != nil {
		return nil, err
	}
	h.serve = serve
	h.hub = newHub(newSampler(h.in, h.now), opts.Interval, opts.Logger)
	return h, nil
}

// Close ends every live stream and stops sampling. Requests after Close
// are still served, but live streams are refused. It is idempotent.
func (h *Handler) Close() { h.hub.close() }

func (h *Handler) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	m.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(static)))
	m.HandleFunc("GET /{$}", h.page)
	m.HandleFunc("GET /login", h.loginPage)
	m.HandleFunc("POST /login", h.login)
	m.HandleFunc("POST /logout", h.action(h.logout))
	m.HandleFunc("GET /api/overview", h.authed(h.overview))
	m.HandleFunc("GET /api/jobs", h.authed(h.jobList))
	m.HandleFunc("GET /api/jobs/{id}", h.authed(h.jobDetail))
	m.HandleFunc("GET /api/jobs/{id}/workflow", h.authed(h.workflow))
	m.HandleFunc("GET /api/count", h.authed(h.count))
	m.HandleFunc("POST /api/retry", h.action(h.retryAll))
	m.HandleFunc("GET /api/schedules", h.authed(h.schedules))
	m.HandleFunc("GET /api/workers", h.authed(h.workers))
	m.HandleFunc("GET /api/events", h.authed(h.events))
	m.HandleFunc("POST /api/jobs/{id}/retry", h.action(h.retry))
	m.HandleFunc("POST /api/jobs/{id}/run-now", h.action(h.runNow))
	m.HandleFunc("POST /api/jobs/{id}/delete", h.action(h.delete))
	m.HandleFunc("POST /api/jobs/{id}/revoke", h.action(h.revoke))
	m.HandleFunc("POST /api/queues/{queue}/pause", h.action(h.pause))
	m.HandleFunc("POST /api/queues/{queue}/resume", h.action(h.resume))
	m.HandleFunc("POST /api/purge", h.action(h.purge))
	m.HandleFunc("GET /api/revocations", h.authed(h.revocations))
	m.HandleFunc("POST /api/revocations", h.action(h.revokeAll))
	m.HandleFunc("POST /api/revocations/restore", h.action(h.restoreAll))
	if h.opts.Metrics != nil {
		m.Handle("GET /metrics", h.authed(h.opts.Metrics.ServeHTTP))
	}
	h.mux = m
}

// csp allows only this origin's own script and style: no inline script,
// no framing, no form posts elsewhere.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// ServeHTTP serves the page, its assets, the JSON API and the event
// stream, to requests whose Host passes [Options.AllowedHosts]' rule.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.serve.ServeHTTP(w, r)
}

// authed refuses unauthenticated requests with 401.
func (h *Handler) authed(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.auth.authenticated(r, h.now()) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="spindle dash"`)
			writeError(w, http.StatusUnauthorized, "log in first: send Authorization: Bearer TOKEN or use the login page")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		fn(w, r)
	}
}

// action wraps a state-changing handler: authenticated, same-origin, with
// the session's CSRF token.
func (h *Handler) action(fn http.HandlerFunc) http.HandlerFunc {
	return h.authed(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if why := h.auth.forbidPost(r, h.now()); why != "" {
			writeError(w, http.StatusForbidden, why)
			return
		}
		fn(w, r)
	})
}

type pageData struct {
	Store string
	CSRF  string
	Login bool // a token guards the page: offer to log out
	Error string
}

// page renders the single page. It hands out a session (and so a CSRF
// token) to a browser that has none; with a token set, only to one that
// authenticated.
func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	now := h.now()
	if !h.auth.authenticated(r, now) {
		h.renderLogin(w, http.StatusUnauthorized, "")
		return
	}
	s := h.auth.session(r, now)
	if s == "" {
		s = h.auth.newSession(now)
		h.auth.setSession(w, r, s)
	}
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, http.StatusOK, "index.html", pageData{
		Store: jobs.RedactURL(h.opts.StoreURL), CSRF: h.auth.csrf(s), Login: len(h.auth.token) > 0,
	})
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if len(h.auth.token) == 0 || h.auth.session(r, h.now()) != "" {
		http.Redirect(w, r, "./", http.StatusSeeOther)
		return
	}
	h.renderLogin(w, http.StatusOK, "")
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := h.auth.cop.Check(r); err != nil {
		writeError(w, http.StatusForbidden, "cross-origin request refused")
		return
	}
	if len(h.auth.token) == 0 {
		http.Redirect(w, r, "./", http.StatusSeeOther)
		return
	}
	if !h.auth.tokenOK(r.PostFormValue("token")) {
		h.renderLogin(w, http.StatusUnauthorized, "That token is not right.")
		return
	}
	h.auth.setSession(w, r, h.auth.newSession(h.now()))
	http.Redirect(w, r, "./", http.StatusSeeOther)
}

// logout ends the session on the server too, so its cookie is worthless
// even if replayed. Without a token there is no login to end, and
// recording the sessions anyone on the machine can make would only grow.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if now := h.now(); len(h.auth.token) > 0 {
		if s := h.auth.session(r, now); s != "" {
			h.auth.endSession(s, now)
		}
	}
	h.auth.clearSession(w, r)
	http.Redirect(w, r, "./", http.StatusSeeOther)
}

func (h *Handler) renderLogin(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, status, "login.html", pageData{Error: msg}) // nothing about the store before login
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, d); err != nil {
		h.opts.Logger.Error("dash: render", "page", name, "err", err)
	}
}
