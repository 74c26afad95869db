package main

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/cli"
	"github.com/spindlehq/spindle/internal/hostcheck"
)

// The help of the flags below; docs/dashboard.md quotes each verbatim (a
// test checks).
const (
	allowedHostHelp = "host name or IP address the dashboard may be reached by besides loopback ones (repeatable or comma-separated; .example.com also allows subdomains)"
	tlsCertHelp     = "serve HTTPS with this PEM certificate file (with any intermediates); needs --tls-key"
	tlsKeyHelp      = "PEM file of the private key of --tls-cert"
	trustProtoHelp  = "take X-Forwarded-Proto: https from a TLS-terminating proxy as HTTPS (Secure session cookie); set only if the proxy sets that header"
)

// serveFlags are the flags of `spindle dash` about how it is reached:
// under which names, over TLS, behind which proxy.
type serveFlags struct {
	allowedHosts    []string
	tlsCert, tlsKey string
	trustProto      bool
}

func (s *serveFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSliceVar(&s.allowedHosts, "allowed-host", nil, allowedHostHelp)
	f.StringVar(&s.tlsCert, "tls-cert", "", tlsCertHelp)
	f.StringVar(&s.tlsKey, "tls-key", "", tlsKeyHelp)
	f.BoolVar(&s.trustProto, "trust-forwarded-proto", false, trustProtoHelp)
}

// check validates the flags before the store is opened and returns the
// TLS configuration, nil when serving plain HTTP. Errors are usage errors
// that name the flag.
func (s *serveFlags) check() (*tls.Config, error) {
	for _, v := range s.allowedHosts {
		if _, err := hostcheck.ParseAllowed(v); err != nil {
			return nil, cli.Usage(fmt.Errorf("--allowed-host %w", err))
		}
	}
	switch {
	case s.tlsCert == "" && s.tlsKey == "":
		return nil, nil
	case s.tlsKey == "":
		return nil, cli.Usage(errors.New("--tls-cert needs --tls-key: the PEM file of the certificate's private key"))
	case s.tlsCert == "":
		return nil, cli.Usage(errors.New("--tls-key needs --tls-cert: the PEM file of the certificate"))
	}
	pair, err := tls.LoadX509KeyPair(s.tlsCert, s.tlsKey)
	if err != nil {
		return nil, cli.Usage(fmt.Errorf("--tls-cert %s and --tls-key %s: %v; want PEM files of a certificate and of its private key", s.tlsCert, s.tlsKey, err))
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}}, nil
}
