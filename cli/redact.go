package cli

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// mask replaces a password wherever one would be printed.
const mask = "xxxxx"

// userinfoRE finds the password of any URL in a message, so one that
// reaches an error through a path this package does not know is masked
// too.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s"']*):([^@\s"']+)@`)

// passwordParamRE finds password=... in query strings and key=value DSNs.
var passwordParamRE = regexp.MustCompile(`(?i)\b(password|passwd|pass|pwd)=([^&\s"']+)`)

// secretsOf returns the strings of rawURL that must never be printed: the
// password, as written and decoded, and password query parameters.
func secretsOf(rawURL string) []string {
	var out []string
	add := func(s string) {
		if s != "" && s != mask {
			out = append(out, s)
		}
	}
	if u, err := url.Parse(rawURL); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
			add(url.PathEscape(p))
			add(url.QueryEscape(p))
		}
		for k, vs := range u.Query() {
			if passwordParamRE.MatchString(k + "=x") {
				for _, v := range vs {
					add(v)
				}
			}
		}
	}
	// A URL net/url cannot parse may still carry user:password@.
	if _, rest, ok := strings.Cut(rawURL, "://"); ok {
		authority, _, _ := strings.Cut(rest, "/")
		if i := strings.LastIndexByte(authority, '@'); i >= 0 {
			if _, pw, ok := strings.Cut(authority[:i], ":"); ok {
				add(pw)
			}
		}
	}
	for _, m := range passwordParamRE.FindAllStringSubmatch(rawURL, -1) {
		add(m[2])
	}
	return out
}

// redact returns s with the secrets of every URL in urls masked, and any
// other user:password@ or password= in it masked too.
func redact(s string, urls ...string) string {
	for _, u := range urls {
		for _, sec := range secretsOf(u) {
			s = strings.ReplaceAll(s, sec, mask)
		}
	}
	s = userinfoRE.ReplaceAllString(s, "$1:"+mask+"@")
	return passwordParamRE.ReplaceAllString(s, "$1="+mask)
}

// redactURL is the form of a store URL safe to print.
func redactURL(u string) string { return redact(u, u) }

// scrubError returns err's text with the passwords of the store URLs
// the commands (and their parents) were given masked.
func scrubError(err error, cmds ...*cobra.Command) string {
	var urls []string
	for _, c := range cmds {
		for ; c != nil; c = c.Parent() {
			if f := c.Flags().Lookup(storeFlag); f != nil {
				urls = append(urls, f.Value.String(), f.DefValue)
			}
			if f := c.PersistentFlags().Lookup(storeFlag); f != nil {
				urls = append(urls, f.Value.String(), f.DefValue)
			}
		}
	}
	return redact(err.Error(), urls...)
}
