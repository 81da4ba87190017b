package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestProfilingIsOptIn: /debug/pprof/ is served only with --profiling;
// /metrics always.
func TestProfilingIsOptIn(t *testing.T) {
	for _, tc := range []struct {
		profiling bool
		path      string
		want      int
	}{
		{false, "/metrics", http.StatusOK},
		{false, "/debug/pprof/", http.StatusNotFound},
		{true, "/debug/pprof/", http.StatusOK},
		{true, "/metrics", http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		metricsHandler(tc.profiling).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.want {
			t.Errorf("profiling=%v: GET %s = %d, want %d", tc.profiling, tc.path, rec.Code, tc.want)
		}
	}
}
