//go:build integration

package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/intelligent-hpa/fittingjob-controller/cmd/fittingjob-controller/app"
)

// The metrics endpoint as shipped, with the controller running as its
// ServiceAccount: HTTPS by default; every caller's token reviewed by the
// API server (TokenReview) and its access too (SubjectAccessReview), both
// sent by the controller under the shipped RBAC (system:auth-delegator),
// so that a 403 of either would fail the test; the metrics reader
// ClusterRole of manifests/crd lets a ServiceAccount scrape; pprof needs a
// grant of its own; the probes stay anonymous plain HTTP.
func TestMetricsNeedCredentials(t *testing.T) {
	ns := newNamespace(t)
	metricsAddress, probeAddress := freeAddress(t), freeAddress(t)
	startController(t, ns, func(o *app.Options) {
		o.MetricsAddress, o.ProbeAddress, o.Profiling = metricsAddress, probeAddress, true
	})
	metrics, pprof := "https://"+metricsAddress+"/metrics", "https://"+metricsAddress+"/debug/pprof/"

	// Anonymous: 401, as soon as the server listens.
	eventually(t, 30*time.Second, "an anonymous request to /metrics to be refused with 401", func(context.Context) (bool, error) {
		code, _ := getTLS(t, metrics, "")
		return code == http.StatusUnauthorized, nil
	})
	// So is a token the API server does not know, and pprof without one.
	for _, tc := range []struct{ url, token string }{{metrics, "not-a-token"}, {pprof, ""}} {
		if code, body := getTLS(t, tc.url, tc.token); code != http.StatusUnauthorized {
			t.Errorf("GET %s with token %q: %d %s, want 401", tc.url, tc.token, code, body)
		}
	}

	// A valid ServiceAccount token without the reader role: 403.
	token := serviceAccountToken(t, ns, "scraper")
	if code, body := getTLS(t, metrics, token); code != http.StatusForbidden ||
		!strings.Contains(body, `"system:serviceaccount:`+ns+`:scraper" cannot get path "/metrics"`) {
		t.Errorf("GET /metrics without the reader role: %d %q, want 403 naming the ServiceAccount", code, body)
	}

	// The same token once the ServiceAccount is bound to the shipped
	// role: 200 and the series, as soon as the controller's cached denial
	// (10 s) expires.
	bindClusterRole(t, ns, "scraper", metricsReaderRole)
	waitNonResourceAllowed(t, ns, "scraper", "/metrics")
	var body string
	eventually(t, 30*time.Second, "/metrics to be served to the reader", func(context.Context) (bool, error) {
		var code int
		code, body = getTLS(t, metrics, token)
		return code == http.StatusOK, nil
	})
	if !strings.Contains(body, "fittingjob_controller_build_info{") {
		t.Errorf("/metrics served to the reader has no fittingjob_controller_build_info:\n%.500s", body)
	}

	// The reader role is /metrics only; pprof needs get on /debug/pprof/*.
	if code, body := getTLS(t, pprof, token); code != http.StatusForbidden {
		t.Errorf("GET /debug/pprof/ as the metrics reader: %d %s, want 403", code, body)
	}
	profiler := serviceAccountToken(t, ns, "profiler")
	profilerRole := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-profiler"},
		Rules:      []rbacv1.PolicyRule{{NonResourceURLs: []string{"/debug/pprof", "/debug/pprof/*"}, Verbs: []string{"get"}}},
	}
	if _, err := kube.RbacV1().ClusterRoles().Create(context.Background(), profilerRole, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kube.RbacV1().ClusterRoles().Delete(context.Background(), profilerRole.Name, metav1.DeleteOptions{})
	})
	bindClusterRole(t, ns, "profiler", profilerRole.Name)
	waitNonResourceAllowed(t, ns, "profiler", "/debug/pprof/")
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1"} {
		if code, body := getTLS(t, "https://"+metricsAddress+path, profiler); code != http.StatusOK {
			t.Errorf("GET %s as the profiler: %d %.200s, want 200", path, code, body)
		}
	}
	if code, body := getTLS(t, metrics, profiler); code != http.StatusForbidden {
		t.Errorf("GET /metrics as the profiler: %d %s, want 403", code, body)
	}

	// Plain HTTP on the metrics port serves nothing; the probes are plain
	// HTTP and anonymous.
	if code, body := get(t, "http://"+metricsAddress+"/metrics"); code == http.StatusOK {
		t.Errorf("plain HTTP GET /metrics: %d %.200s", code, body)
	}
	eventually(t, 30*time.Second, "/readyz to answer 200 anonymously", func(context.Context) (bool, error) {
		code, _ := get(t, "http://"+probeAddress+"/readyz")
		return code == http.StatusOK, nil
	})
	if code, body := get(t, "http://"+probeAddress+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
}
