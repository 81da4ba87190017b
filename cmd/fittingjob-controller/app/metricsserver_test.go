package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
)

// fakeAPIServer answers TokenReviews and SubjectAccessReviews as an API
// server with RBAC would: token "reader-token" is user "reader", who may
// get /metrics; "admin-token" is "admin", who may get anything; any other
// token is not authenticated. It records the reviews it answers.
type fakeAPIServer struct {
	mu            sync.Mutex
	tokenReviews  []authenticationv1.TokenReview
	accessReviews []authorizationv1.SubjectAccessReview
	*httptest.Server
}

func newFakeAPIServer(t *testing.T) *fakeAPIServer {
	f := &fakeAPIServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPIServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/apis/authentication.k8s.io/v1/tokenreviews":
		var review authenticationv1.TokenReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.tokenReviews = append(f.tokenReviews, review)
		if name, ok := strings.CutSuffix(review.Spec.Token, "-token"); ok {
			review.Status = authenticationv1.TokenReviewStatus{Authenticated: true, User: authenticationv1.UserInfo{Username: name}}
		}
		_ = json.NewEncoder(w).Encode(review)
	case "/apis/authorization.k8s.io/v1/subjectaccessreviews":
		var review authorizationv1.SubjectAccessReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.accessReviews = append(f.accessReviews, review)
		nr := review.Spec.NonResourceAttributes
		review.Status.Allowed = review.Spec.User == "admin" ||
			review.Spec.User == "reader" && nr != nil && nr.Verb == "get" && nr.Path == "/metrics"
		_ = json.NewEncoder(w).Encode(review)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeAPIServer) reviews() ([]authenticationv1.TokenReview, []authorizationv1.SubjectAccessReview) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]authenticationv1.TokenReview(nil), f.tokenReviews...), append([]authorizationv1.SubjectAccessReview(nil), f.accessReviews...)
}

func localAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// runMetricsServer starts the metrics server of opts until the test ends.
func runMetricsServer(t *testing.T, opts Options, config *rest.Config) {
	t.Helper()
	s, err := newMetricsServer(opts, config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("metrics server: %v", err)
		}
	})
}

// httpsClient trusts any certificate and would speak HTTP/2 if offered.
var httpsClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
	TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
	ForceAttemptHTTP2: true,
}}

// fetch GETs url with the bearer token (none when empty), retrying while
// the server is not listening yet.
func fetch(t *testing.T, client *http.Client, url, token string) (*http.Response, string) {
	t.Helper()
	var lastErr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			lastErr = err
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	t.Fatalf("GET %s: %v", url, lastErr)
	return nil, ""
}

// By default /metrics, and pprof with --profiling, are HTTPS (HTTP/1.1
// only) on a self-signed certificate, for callers the API server
// authenticates and authorizes.
func TestMetricsServerDelegatesToTheAPIServer(t *testing.T) {
	api := newFakeAPIServer(t)
	opts := NewOptions()
	opts.MetricsAddress, opts.Profiling = localAddress(t), true
	runMetricsServer(t, opts, &rest.Config{Host: api.URL})
	base := "https://" + opts.MetricsAddress

	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/metrics", "", http.StatusUnauthorized},
		{"/metrics", "made-up", http.StatusUnauthorized},
		{"/metrics", "stranger-token", http.StatusForbidden},
		{"/metrics", "reader-token", http.StatusOK},
		{"/debug/pprof/", "", http.StatusUnauthorized},
		{"/debug/pprof/", "reader-token", http.StatusForbidden},
		{"/debug/pprof/", "admin-token", http.StatusOK},
	} {
		resp, body := fetch(t, httpsClient, base+tc.path, tc.token)
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s with token %q = %d %q, want %d", tc.path, tc.token, resp.StatusCode, body, tc.want)
		}
		if resp.Proto != "HTTP/1.1" {
			t.Errorf("GET %s: protocol %s, want HTTP/1.1", tc.path, resp.Proto)
		}
		if tc.path == "/metrics" && tc.want == http.StatusOK && !strings.Contains(body, "fittingjob_controller_build_info{") {
			t.Errorf("GET /metrics as reader: no build info in %q", body)
		}
	}

	// No token, no TokenReview; each token reviewed once (then cached).
	tokenReviews, accessReviews := api.reviews()
	var tokens []string
	for _, r := range tokenReviews {
		tokens = append(tokens, r.Spec.Token)
	}
	if want := "made-up stranger-token reader-token admin-token"; strings.Join(tokens, " ") != want {
		t.Errorf("TokenReviews of %q, want %q", tokens, want)
	}
	// The SubjectAccessReview asks for the authenticated user, `get` on
	// the non-resource path.
	var asked []string
	for _, r := range accessReviews {
		nr := r.Spec.NonResourceAttributes
		if nr == nil || r.Spec.ResourceAttributes != nil {
			t.Errorf("SubjectAccessReview %+v is not for a non-resource URL", r.Spec)
			continue
		}
		asked = append(asked, r.Spec.User+" "+nr.Verb+" "+nr.Path)
	}
	if want := "stranger get /metrics|reader get /metrics|reader get /debug/pprof/|admin get /debug/pprof/"; strings.Join(asked, "|") != want {
		t.Errorf("SubjectAccessReviews %q, want %q", asked, want)
	}

	// The certificate is the self-signed one (a leaf for localhost and the
	// CA that signed it), and plain HTTP gets nothing.
	conn, err := tls.Dial("tcp", opts.MetricsAddress, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	chain := conn.ConnectionState().PeerCertificates
	conn.Close()
	if err := chain[0].VerifyHostname("localhost"); err != nil || len(chain) != 2 || !chain[1].IsCA {
		t.Errorf("served certificate %s, chain of %d: %v", chain[0].Subject, len(chain), err)
	}
	if resp, body := fetch(t, http.DefaultClient, "http://"+opts.MetricsAddress+"/metrics", ""); resp.StatusCode == http.StatusOK {
		t.Errorf("plain HTTP to the HTTPS port: %d %q", resp.StatusCode, body)
	}
}

// --metrics-secure=false: plain HTTP, no credentials, nothing asked of the
// API server.
func TestMetricsServerInsecure(t *testing.T) {
	api := newFakeAPIServer(t)
	opts := NewOptions()
	opts.MetricsAddress, opts.MetricsSecure = localAddress(t), false
	runMetricsServer(t, opts, &rest.Config{Host: api.URL})
	if resp, body := fetch(t, http.DefaultClient, "http://"+opts.MetricsAddress+"/metrics", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics: %d %q", resp.StatusCode, body)
	}
	if resp, _ := fetch(t, http.DefaultClient, "http://"+opts.MetricsAddress+"/debug/pprof/", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ without --profiling: %d, want 404", resp.StatusCode)
	}
	if tokenReviews, accessReviews := api.reviews(); len(tokenReviews)+len(accessReviews) > 0 {
		t.Errorf("reviews sent: %v, %v", tokenReviews, accessReviews)
	}
}

// writeCertKey writes a new self-signed pair for host to dir and returns
// the files' paths and the certificate.
func writeCertKey(t *testing.T, dir, host string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey(host, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	// The key first: until the certificate follows, the pair does not match
	// and the old one is kept.
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	if cert, err = x509.ParseCertificate(block.Bytes); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

func servedCertificate(t *testing.T, address string) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", address, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// --tls-cert-file and --tls-private-key-file are served, and a new pair
// written over them is served without a restart.
func TestMetricsServerServesAndReloadsTheGivenCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, first := writeCertKey(t, dir, "first.example")
	opts := NewOptions()
	opts.MetricsAddress, opts.TLSCertFile, opts.TLSPrivateKeyFile = localAddress(t), certFile, keyFile
	runMetricsServer(t, opts, &rest.Config{Host: newFakeAPIServer(t).URL})
	fetch(t, httpsClient, "https://"+opts.MetricsAddress+"/metrics", "") // listening
	if got := servedCertificate(t, opts.MetricsAddress); !got.Equal(first) {
		t.Fatalf("served %s, want the given %s", got.Subject, first.Subject)
	}

	_, _, second := writeCertKey(t, dir, "second.example")
	deadline := time.Now().Add(30 * time.Second)
	for !servedCertificate(t, opts.MetricsAddress).Equal(second) {
		if time.Now().After(deadline) {
			t.Fatalf("still serving %s 30 s after the files changed", servedCertificate(t, opts.MetricsAddress).Subject)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMetricsServerRefusesWrongFlags(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := writeCertKey(t, dir, "flags.example")
	otherDir := t.TempDir()
	_, otherKey, _ := writeCertKey(t, otherDir, "other.example")
	for _, tc := range []struct {
		name       string
		configure  func(*Options)
		wantSubstr string
	}{
		{"certificate without key", func(o *Options) { o.TLSCertFile = certFile }, "go together"},
		{"key without certificate", func(o *Options) { o.TLSPrivateKeyFile = keyFile }, "go together"},
		{"files without TLS", func(o *Options) {
			o.TLSCertFile, o.TLSPrivateKeyFile, o.MetricsSecure = certFile, keyFile, false
		}, "need --metrics-secure"},
		{"missing file", func(o *Options) {
			o.TLSCertFile, o.TLSPrivateKeyFile = filepath.Join(dir, "missing.crt"), keyFile
		}, "no such file"},
		{"key of another certificate", func(o *Options) {
			o.TLSCertFile, o.TLSPrivateKeyFile = certFile, otherKey
		}, "private key does not match public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := NewOptions()
			opts.MetricsAddress = "127.0.0.1:0"
			tc.configure(&opts)
			_, err := newMetricsServer(opts, &rest.Config{Host: "https://127.0.0.1:1"})
			if err == nil || !strings.Contains(err.Error(), tc.wantSubstr) {
				t.Errorf("newMetricsServer() error = %v, want one containing %q", err, tc.wantSubstr)
			}
		})
	}
}
