package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// metricsServer serves /metrics (and pprof with --profiling) on
// --metrics-bind-address: by default over HTTPS and only to callers the API
// server authenticates and authorizes; over plain HTTP to anyone with
// --metrics-secure=false.
type metricsServer struct {
	address string
	handler http.Handler
	// cert is nil for plain HTTP.
	cert *servingCert
}

// newMetricsServer checks the metrics flags and prepares the server; it
// returns nil when the address is empty. config is the controller's client
// configuration: the TokenReviews and SubjectAccessReviews are its own
// requests, so its RBAC must allow them.
func newMetricsServer(opts Options, config *rest.Config) (*metricsServer, error) {
	tlsFiles := opts.TLSCertFile != "" || opts.TLSPrivateKeyFile != ""
	switch {
	case tlsFiles && !opts.MetricsSecure:
		return nil, errors.New("--tls-cert-file and --tls-private-key-file need --metrics-secure")
	case (opts.TLSCertFile == "") != (opts.TLSPrivateKeyFile == ""):
		return nil, errors.New("--tls-cert-file and --tls-private-key-file go together")
	}
	if opts.MetricsAddress == "" {
		return nil, nil
	}
	s := &metricsServer{address: opts.MetricsAddress, handler: metricsHandler(opts.Profiling)}
	if !opts.MetricsSecure {
		return s, nil
	}

	// The reviews get a client, and so a rate limiter, of their own: anyone
	// who reaches the port can make the controller send one (a made-up
	// token costs a TokenReview), and that must not take from the budget of
	// the controller's writes.
	client, err := kubernetes.NewForConfig(rest.CopyConfig(config))
	if err != nil {
		return nil, fmt.Errorf("creating the metrics endpoint's review client: %w", err)
	}
	authn, authz, err := newDelegatedAuth(client)
	if err != nil {
		return nil, err
	}
	s.handler = withAuth(s.handler, authn, authz)
	if s.cert, err = newServingCert(opts.TLSCertFile, opts.TLSPrivateKeyFile); err != nil {
		return nil, err
	}
	return s, nil
}

// run serves until ctx is done.
func (s *metricsServer) run(ctx context.Context) error {
	if s == nil {
		return nil
	}
	var tlsConfig *tls.Config
	if s.cert != nil {
		if s.cert.run != nil {
			go s.cert.run(ctx)
		}
		tlsConfig = s.cert.tlsConfig()
	}
	return serve(ctx, s.address, s.handler, tlsConfig)
}
