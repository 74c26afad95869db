package dash

import (
	"net/url"
	"strings"
)

// RedactURL returns a store URL fit to show: a password in the user
// information and the values of query parameters that look like secrets
// are replaced with "xxxxx". A URL that does not parse is reduced to its
// scheme, since its shape cannot tell where a secret would be. It is safe
// for concurrent use.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, ok := strings.Cut(raw, ":")
		if !ok || strings.ContainsAny(scheme, "/@?") {
			return "(store URL hidden: it does not parse)"
		}
		return scheme + ":(rest hidden: it does not parse)"
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if secretKey(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"pass", "secret", "token", "key", "auth", "credential"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
