package app

import (
	"fmt"
	"net/http"
)

// healthServer serves /healthz (the process works: for liveness) and
// /readyz (the caches have synced: for readiness).
type healthServer struct {
	synced   func() bool
	liveness []func(*http.Request) error
}

func newHealthServer(synced func() bool) *healthServer {
	return &healthServer{synced: synced}
}

func (h *healthServer) addLivenessCheck(check func(*http.Request) error) {
	h.liveness = append(h.liveness, check)
}

func (h *healthServer) healthz(w http.ResponseWriter, r *http.Request) {
	for _, check := range h.liveness {
		if err := check(r); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	fmt.Fprintln(w, "ok")
}

func (h *healthServer) readyz(w http.ResponseWriter, _ *http.Request) {
	if !h.synced() {
		http.Error(w, "informer caches have not synced", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

// handler routes /healthz and /readyz.
func (h *healthServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", h.healthz)
	mux.HandleFunc("/readyz", h.readyz)
	return mux
}
