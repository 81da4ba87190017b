package app

import (
	"errors"
	"net/http"

	"k8s.io/apiserver/pkg/server/healthz"
)

// healthHandler serves the probes as Kubernetes' own components do, with
// k8s.io/apiserver's healthz package: /healthz (the process works: for
// liveness; liveness adds checks, such as leader election's watchdog) and
// /readyz (the caches have synced: for readiness). Each check also has a
// path of its own (/healthz/leaderElection, /readyz/informer-sync), and
// ?verbose lists them all.
func healthHandler(synced func() bool, liveness ...healthz.HealthChecker) http.Handler {
	mux := http.NewServeMux()
	healthz.InstallHandler(mux, append([]healthz.HealthChecker{healthz.PingHealthz}, liveness...)...)
	healthz.InstallReadyzHandler(mux, healthz.NamedCheck("informer-sync", func(*http.Request) error {
		if !synced() {
			return errors.New("informer caches have not synced")
		}
		return nil
	}))
	return mux
}
