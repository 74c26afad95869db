package hostcheck

import (
	"fmt"
	"net"
	"strings"
)

// Accepted says what an allowed host may be; errors of [ParseAllowed]
// and [New] end with it. A constant, safe to read anywhere.
const Accepted = "want a host name or IP address, such as dash.example.com, 10.0.0.5 or [fd00::5], " +
	"without scheme, port or path; a leading dot, as in .example.com, allows the domain and its subdomains"

// ParseAllowed reads one allowed host as an operator writes it: a host
// name, an IPv4 address, an IPv6 address with or without brackets, or a
// name with a leading dot for the domain and every subdomain. Surrounding
// space is ignored. It returns the form [Policy] compares (lower case, IP
// addresses canonical, the leading dot kept), or an error that quotes v,
// says what is wrong with it and what is accepted. A port is refused
// rather than ignored: the Host check cannot tell ports apart usefully (a
// rebinding page uses the server's own port), so accepting one would
// only suggest a restriction that is not there. It is safe for
// concurrent use.
func ParseAllowed(v string) (string, error) {
	h := strings.TrimSpace(v)
	if why := refusal(h); why != "" {
		return "", fmt.Errorf("%q %s: %s", v, why, Accepted)
	}
	if strings.HasPrefix(h, "[") {
		h = h[1 : len(h)-1]
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.String(), nil
	}
	return strings.TrimSuffix(strings.ToLower(h), "."), nil
}

// refusal returns what is wrong with h as an allowed host, or "".
func refusal(h string) string {
	switch {
	case h == "":
		return "is empty"
	case strings.Contains(h, "/"):
		return "is a URL or has a path"
	case strings.Contains(h, "*"):
		return "has a wildcard (write .example.com for a domain and its subdomains)"
	case strings.HasPrefix(h, "["):
		inner, ok := strings.CutSuffix(h[1:], "]")
		if ip := net.ParseIP(inner); !ok || ip == nil || ip.To4() != nil {
			if _, _, err := net.SplitHostPort(h); err == nil {
				return "has a port (any port matches)"
			}
			return "is not an IPv6 address in brackets"
		}
		return ""
	}
	if net.ParseIP(h) != nil {
		return ""
	}
	if _, _, err := net.SplitHostPort(h); err == nil {
		return "has a port (any port matches)"
	}
	return nameRefusal(strings.TrimSuffix(strings.TrimPrefix(h, "."), "."))
}

// nameRefusal returns what keeps name from being a DNS name, or "".
func nameRefusal(name string) string {
	if name == "" || len(name) > 253 {
		return "is not a host name (1 to 253 characters)"
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return "has an empty or overlong label (each part between dots has 1 to 63 characters)"
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Sprintf("has %q, which a host name cannot have (letters, digits, - and _)", c)
			}
		}
	}
	return ""
}
