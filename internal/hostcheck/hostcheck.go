// Package hostcheck defeats DNS rebinding against servers that listen on
// loopback without authentication: the dashboard without a token and
// the metrics endpoints. A rebinding page is same-origin with the server
// it reaches (its name now resolves to 127.0.0.1), so CORS and CSRF
// checks let it through; only the Host header still shows the name the
// browser thinks it is talking to. A [Policy] accepts loopback names and
// addresses, which no outside DNS can hand out, and the names the
// operator lists; [Policy.Handler] answers every other Host with 421.
package hostcheck

import (
	"net"
	"strings"
)

// Policy is the set of Host values a server answers to: loopback names
// and addresses always, and the hosts it was made with. It is immutable,
// so safe for concurrent use.
type Policy struct {
	names   map[string]bool // lower case, no trailing dot; IPs in canonical form
	domains []string        // ".example.com": the name and every subdomain
}

// New returns the policy that allows loopback and each of allowed, as
// [ParseAllowed] reads them. The error names the first value that is not
// a host name or address and says what is accepted. It is safe for
// concurrent use.
func New(allowed []string) (*Policy, error) {
	p := &Policy{names: make(map[string]bool)}
	for _, v := range allowed {
		h, err := ParseAllowed(v)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(h, ".") {
			p.domains = append(p.domains, h)
		} else {
			p.names[h] = true
		}
	}
	return p, nil
}

// Allows reports whether a request with this Host header (a name or an
// address, with or without a port, as in http.Request.Host) is for this
// server. An empty or malformed Host is not. It is safe for concurrent
// use.
func (p *Policy) Allows(hostHeader string) bool {
	h := hostname(hostHeader)
	if h == "" {
		return false
	}
	if IsLoopback(h) || p.names[h] {
		return true
	}
	for _, d := range p.domains {
		if h == d[1:] || strings.HasSuffix(h, d) {
			return true
		}
	}
	return false
}

// IsLoopback reports whether h, a host name or address without a port
// (IPv6 with or without brackets), is loopback: "localhost", a name
// under .localhost (which browsers resolve to loopback themselves, RFC
// 6761), 127.0.0.0/8 or ::1. It is safe for concurrent use.
func IsLoopback(h string) bool {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// hostname returns the host of a Host header in the form a [Policy]
// compares: lower case, without port, brackets or trailing dot, an IP
// address in canonical form; "" for a value whose port is not a number.
func hostname(hostHeader string) string {
	h := hostHeader
	if host, port, err := net.SplitHostPort(h); err == nil {
		if !digits(port) {
			return ""
		}
		h = host
	} else {
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
