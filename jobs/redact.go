package jobs

import "github.com/spindlehq/spindle/jobs/internal/redact"

// RedactURL returns s with the secrets of store URLs replaced by "xxxxx",
// for logs, errors and pages. s is a store URL, a key=value connection
// string, or a message that quotes them. It never fails and is a pure
// function, safe for concurrent use. The rule:
//
//   - A text that starts with "scheme://" is one URL: its password is
//     everything from the first ":" after the "//" to the last "@". It
//     does not need to parse: when a mistyped password holds "/", "?",
//     "@" or a space, or "@" also follows the host, more is hidden rather
//     than less. A text with no "//" and no space is read the same way,
//     so "redis:user:pw@host" and "user:pw@host" lose their passwords.
//   - Inside a message, each scheme:// URL ends at a space, '"' or '`'
//     and loses its password the same way, unless its user name holds '[',
//     ']', '<' or '>': that is a usage pattern, such as
//     "redis://[user:password@]host[:port][/db]" in the errors that say
//     which URLs are accepted, and it is left as it is.
//   - The value of every key=value pair whose key holds pass, pwd,
//     secret, token, key, auth or credential (any case, after unescaping:
//     password, sslpassword, access_token, api_key, apikey...) is hidden,
//     in query strings and in connection strings ("host=db password='a b'",
//     spaces around "=" and quoted values included). A key runs back to
//     the nearest "&", "?", ";", "#", "=" or space; and when s parses as a
//     URL, its query is also read as net/url reads it, so that
//     "h/?x?pass=v" and "h/?pass word=v" lose v too.
//   - The secrets of each of urls are hidden wherever they appear in s,
//     as written and as net/url decodes them (where two overlap, both
//     whole): pass the URL a message is about, and a password the
//     message quotes on its own is hidden too.
//   - URLs of stores that take no password (sqlite:, memory:, file:) keep
//     their paths, ":" and "@" included.
//
// Everything else in s, the host, the user name and the order and
// spelling of the other parameters, is kept as written.
func RedactURL(s string, urls ...string) string {
	return redact.Text(s, urls...)
}

// redactError scrubs the secrets of a store URL from an error that a
// store built, which may quote the URL or its decoded password.
// errors.Is and errors.As still see the original error.
func redactError(storeURL string, err error) error {
	return redact.Error(err, storeURL)
}
