package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"

	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	certutil "k8s.io/client-go/util/cert"
)

// servingCert is the metrics endpoint's certificate: the files of
// --tls-cert-file and --tls-private-key-file, reloaded when they change (a
// Secret volume's update, cert-manager's renewal) without a restart, or
// else a self-signed one made in memory at start, as kube-controller-manager
// makes one when given none.
type servingCert struct {
	content dynamiccertificates.CertKeyContentProvider
	// run watches the files; nil for the self-signed certificate.
	run func(ctx context.Context)

	mu sync.Mutex
	// certPEM and keyPEM are what parsed was parsed from.
	certPEM, keyPEM []byte
	parsed          *tls.Certificate
}

// newServingCert loads certFile and keyFile, or makes a self-signed
// certificate when both are empty.
func newServingCert(certFile, keyFile string) (*servingCert, error) {
	if certFile == "" && keyFile == "" {
		// Nobody can verify a self-signed certificate, whatever its names;
		// these let a client on the same host that pins it use localhost.
		certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("localhost",
			[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, nil)
		if err != nil {
			return nil, fmt.Errorf("generating a self-signed serving certificate: %w", err)
		}
		content, err := dynamiccertificates.NewStaticCertKeyContent("self-signed", certPEM, keyPEM)
		if err != nil {
			return nil, err
		}
		return &servingCert{content: content}, nil
	}
	// NewDynamicServingContentFromFiles refuses a missing name, an
	// unreadable file, and a key that does not match the certificate.
	content, err := dynamiccertificates.NewDynamicServingContentFromFiles("metrics-serving-cert", certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading --tls-cert-file and --tls-private-key-file: %w", err)
	}
	// It reloads on every change fsnotify reports and at least once a
	// minute, and keeps the last good pair while a change is half written.
	return &servingCert{content: content, run: func(ctx context.Context) { content.Run(ctx, 1) }}, nil
}

// getCertificate is tls.Config's GetCertificate: the current pair, parsed
// once per change.
func (c *servingCert) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	certPEM, keyPEM := c.content.CurrentCertKeyContent()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parsed == nil || !bytes.Equal(certPEM, c.certPEM) || !bytes.Equal(keyPEM, c.keyPEM) {
		parsed, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, err
		}
		c.certPEM, c.keyPEM, c.parsed = certPEM, keyPEM, &parsed
	}
	return c.parsed, nil
}

// tlsConfig serves the certificate over TLS 1.2 or later, and HTTP/1.1
// only, as Kubebuilder's metrics servers do: a scrape gains nothing from
// HTTP/2, whose stream handling has been the way in for denial-of-service
// attacks by clients that need no credentials to open streams.
func (c *servingCert) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"http/1.1"},
		GetCertificate: c.getCertificate,
	}
}
