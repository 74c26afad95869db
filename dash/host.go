package dash

import (
	"fmt"
	"net/http"

	"github.com/spindlehq/spindle/internal/hostcheck"
)

// hostGuard puts the Host check in front of next, by the rule of
// [Options.AllowedHosts]. Without a token nothing else stops a DNS
// rebinding page: it is same-origin with the dashboard, so the origin and
// CSRF checks pass, and there is no login to pass. With a token the
// rebound page, being on another origin, carries neither the session
// cookie nor the token, so the Host need not be checked unless the
// operator listed names to pin it to.
func hostGuard(next http.Handler, opts Options) (http.Handler, error) {
	if opts.Token != "" && len(opts.AllowedHosts) == 0 {
		return next, nil
	}
	p, err := hostcheck.New(opts.AllowedHosts)
	if err != nil {
		return nil, fmt.Errorf("dash: Options.AllowedHosts: %w", err)
	}
	tokenHint := ""
	if opts.Token == "" {
		tokenHint = ", or require a token (--token), which serves any name"
	}
	return p.Handler(next, func(name string) string {
		if name == "" {
			name = "NAME"
		}
		return "to serve the dashboard under this name, allow it with --allowed-host " + name +
			" (spindle dash) or Options.AllowedHosts (dash.New)" + tokenHint
	}), nil
}
