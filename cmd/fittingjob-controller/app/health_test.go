package app

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/apiserver/pkg/server/healthz"
)

// The probes: /readyz follows the caches, /healthz every liveness check;
// each check has its own path, and a failure is a 500 naming it.
func TestProbes(t *testing.T) {
	var synced, leading atomic.Bool
	leading.Store(true)
	h := healthHandler(synced.Load, healthz.NamedCheck("leaderElection", func(*http.Request) error {
		if !leading.Load() {
			return errors.New("the leader stopped renewing its Lease")
		}
		return nil
	}))
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}

	if code, _ := get("/readyz"); code != http.StatusInternalServerError {
		t.Errorf("/readyz before the caches synced: %d, want 500", code)
	}
	synced.Store(true)
	for _, path := range []string{"/readyz", "/readyz/informer-sync", "/healthz", "/healthz/leaderElection", "/healthz/ping"} {
		if code, body := get(path); code != http.StatusOK {
			t.Errorf("%s: %d %s, want 200", path, code, body)
		}
	}
	leading.Store(false)
	if code, body := get("/healthz?verbose"); code != http.StatusInternalServerError || !strings.Contains(body, "[-]leaderElection failed") {
		t.Errorf("/healthz with a stuck leader: %d %q, want 500 naming leaderElection", code, body)
	}
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz with a stuck leader: %d, want 200 (readiness follows the caches only)", code)
	}
}
