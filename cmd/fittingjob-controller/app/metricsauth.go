package app

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/apiserver"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// The caches and timeouts of delegated authentication and authorization
// are kube-controller-manager's defaults: a scrape every 30 s costs at most
// one TokenReview and one SubjectAccessReview per replica, and a revoked
// token or binding stops working within 10 s.
const (
	authCacheTTL      = 10 * time.Second
	authReviewTimeout = 10 * time.Second
)

// authRetryBackoff is the API server's own default for its authentication
// and authorization webhooks (k8s.io/apiserver's server/options), written
// out so as not to import that package and everything it brings.
func authRetryBackoff() *wait.Backoff {
	return &wait.Backoff{Duration: 500 * time.Millisecond, Factor: 1.5, Jitter: 0.2, Steps: 5}
}

// newDelegatedAuth returns what kube-controller-manager protects its
// /metrics with: the API server authenticates each request's bearer token
// (a TokenReview) and authorizes the request (a SubjectAccessReview), with
// k8s.io/apiserver's own delegating authenticator and authorizer. No
// anonymous access: a request without a valid token is refused, whatever
// RBAC grants system:anonymous.
func newDelegatedAuth(client kubernetes.Interface) (authenticator.Request, authorizer.Authorizer, error) {
	authn, _, err := authenticatorfactory.DelegatingAuthenticatorConfig{
		Anonymous:                &apiserver.AnonymousAuthConfig{Enabled: false},
		TokenAccessReviewClient:  client.AuthenticationV1(),
		TokenAccessReviewTimeout: authReviewTimeout,
		WebhookRetryBackoff:      authRetryBackoff(),
		CacheTTL:                 authCacheTTL,
	}.New()
	if err != nil {
		return nil, nil, fmt.Errorf("creating the TokenReview authenticator: %w", err)
	}
	authz, err := authorizerfactory.DelegatingAuthorizerConfig{
		SubjectAccessReviewClient: client.AuthorizationV1(),
		AllowCacheTTL:             authCacheTTL,
		DenyCacheTTL:              authCacheTTL,
		WebhookRetryBackoff:       authRetryBackoff(),
	}.New()
	if err != nil {
		return nil, nil, fmt.Errorf("creating the SubjectAccessReview authorizer: %w", err)
	}
	return authn, authz, nil
}

// withAuth serves handler only to requests that authn authenticates (401
// otherwise) and authz allows (403 otherwise). Every path is a
// non-resource URL whose verb is the lower-cased HTTP method, as the API
// server's own request info makes it: GET /metrics needs `get` on the
// nonResourceURL /metrics, GET /debug/pprof/heap `get` on
// /debug/pprof/heap, which RBAC grants with /debug/pprof/*.
func withAuth(handler http.Handler, authn authenticator.Request, authz authorizer.Authorizer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		logger := klog.FromContext(req.Context())
		// An invalid token is an error as well as a failed TokenReview; the
		// API server answers both with 401, and so does this.
		resp, ok, err := authn.AuthenticateRequest(req)
		if err != nil || !ok {
			logger.V(2).Info("Refused an unauthenticated request to the metrics endpoint", "path", req.URL.Path, "remoteAddr", req.RemoteAddr, "err", err)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		// The token has served its purpose; the handler has no use for it.
		req.Header.Del("Authorization")

		attributes := authorizer.AttributesRecord{
			User: resp.User,
			Verb: strings.ToLower(req.Method),
			Path: req.URL.Path,
		}
		decision, reason, err := authz.Authorize(req.Context(), attributes)
		if err != nil {
			// The SubjectAccessReview itself failed: not the caller's fault.
			logger.Error(err, "Could not authorize a request to the metrics endpoint", "user", resp.User.GetName(), "path", req.URL.Path)
			http.Error(w, "Authorization failed", http.StatusInternalServerError)
			return
		}
		if decision != authorizer.DecisionAllow {
			logger.V(2).Info("Refused an unauthorized request to the metrics endpoint", "user", resp.User.GetName(), "path", req.URL.Path, "reason", reason)
			// The API server's wording for a non-resource URL.
			http.Error(w, fmt.Sprintf("Forbidden: user %q cannot %s path %q", resp.User.GetName(), attributes.Verb, attributes.Path), http.StatusForbidden)
			return
		}
		handler.ServeHTTP(w, req)
	})
}
