//go:build integration

package integration

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// metricsReaderRole is the ClusterRole that manifests/crd ships for
// scrapers (hack/integration.sh installs it).
const metricsReaderRole = "fittingjob-controller-metrics-reader"

// metricsEndpoint is a controller's metrics address and the bearer token
// of a ServiceAccount bound to metricsReaderRole, as a Prometheus would
// scrape it.
type metricsEndpoint struct {
	address, token string
}

// newMetricsEndpoint picks a free loopback address and makes a reader in
// namespace; set the controller's MetricsAddress to its address.
func newMetricsEndpoint(t *testing.T, namespace string) *metricsEndpoint {
	t.Helper()
	token := serviceAccountToken(t, namespace, "metrics-scraper")
	bindClusterRole(t, namespace, "metrics-scraper", metricsReaderRole)
	waitNonResourceAllowed(t, namespace, "metrics-scraper", "/metrics")
	return &metricsEndpoint{address: freeAddress(t), token: token}
}

// scrape reads /metrics, failing the test unless it is served.
func (m *metricsEndpoint) scrape(t *testing.T) string {
	t.Helper()
	code, body := getTLS(t, "https://"+m.address+"/metrics", m.token)
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	return body
}

// serviceAccountToken creates ServiceAccount name in namespace and returns
// a token for it from the TokenRequest API, as the kubelet mounts one.
func serviceAccountToken(t *testing.T, namespace, name string) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	if _, err := kube.CoreV1().ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	request := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptrTo(int64(3600))}}
	token, err := kube.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, request, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return token.Status.Token
}

// bindClusterRole binds role cluster-wide to ServiceAccount namespace/name
// until the test ends (non-resource URLs are granted only that way).
func bindClusterRole(t *testing.T, namespace, name, role string) {
	t.Helper()
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: namespace + "-" + name + "-" + role},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: name}},
	}
	if _, err := kube.RbacV1().ClusterRoleBindings().Create(context.Background(), binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kube.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})
}

// waitNonResourceAllowed waits until the API server's authorizer lets
// ServiceAccount namespace/name get path: its RBAC cache follows new
// bindings asynchronously, and the controller would cache a denial.
func waitNonResourceAllowed(t *testing.T, namespace, name, path string) {
	t.Helper()
	user := fmt.Sprintf("system:serviceaccount:%s:%s", namespace, name)
	eventually(t, 30*time.Second, user+" to be allowed to get "+path, func(ctx context.Context) (bool, error) {
		review, err := kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{
				User:                  user,
				Groups:                []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
				NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: path, Verb: "get"},
			},
		}, metav1.CreateOptions{})
		return err == nil && review.Status.Allowed, err
	})
}

// tlsClient trusts any certificate: the controller's is self-signed.
var tlsClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
}}

// getTLS GETs url over HTTPS with the bearer token (none when empty). A
// connection error is status 0, with the error as the body.
func getTLS(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := tlsClient.Do(req)
	if err != nil {
		return 0, fmt.Sprint(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
