package hostcheck

import (
	"fmt"
	"net/http"
)

// Handler returns h behind the policy: a request whose Host it does not
// allow gets 421 Misdirected Request and one line of plain text, naming
// the Host and ending with hint(hostname), which says how to allow it
// (the flag or option of the server in question). hostname is the Host
// without port, in lower case, "" when there is none. The returned
// handler is safe for concurrent use if h is.
func (p *Policy) Handler(h http.Handler, hint func(hostname string) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.Allows(r.Host) {
			h.ServeHTTP(w, r)
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusMisdirectedRequest)
		fmt.Fprintf(w, "Host %q is not a name this server answers to (it answers to loopback names and addresses and to the hosts it is told to allow, which defeats DNS rebinding); %s\n",
			r.Host, hint(hostname(r.Host)))
	})
}
