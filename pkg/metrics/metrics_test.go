package metrics

import (
	"context"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	clientmetrics "k8s.io/client-go/tools/metrics"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/version"
)

func TestBuildInfo(t *testing.T) {
	want := `
# HELP fittingjob_controller_build_info The controller's version (stamped at build time), the Go version that built it, and its platform; always 1.
# TYPE fittingjob_controller_build_info gauge
fittingjob_controller_build_info{goarch="` + runtime.GOARCH + `",goos="` + runtime.GOOS + `",goversion="` + runtime.Version() + `",version="` + version.Version + `"} 1
`
	if err := testutil.GatherAndCompare(Registry, strings.NewReader(want), "fittingjob_controller_build_info"); err != nil {
		t.Error(err)
	}
}

// client-go reports through the installed providers: the throttling
// latency of its rate limiter, and the status of a leader elector, which
// is 0 from its creation until it leads.
func TestClientGoProviders(t *testing.T) {
	clientmetrics.RateLimiterLatency.Observe(context.Background(), "GET", url.URL{Host: "api:6443"}, 300*time.Millisecond)
	if n := testutil.CollectAndCount(rateLimiterLatency, "rest_client_rate_limiter_duration_seconds"); n != 1 {
		t.Errorf("rest_client_rate_limiter_duration_seconds has %d series, want 1", n)
	}

	if n := testutil.CollectAndCount(leaderStatus); n != 0 {
		t.Fatalf("leader_election_master_status has %d series before any elector exists, want 0", n)
	}
	lock := &resourcelock.LeaseLock{LockConfig: resourcelock.ResourceLockConfig{Identity: "me"}}
	if _, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, Name: "test-lease",
		LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
		Callbacks: leaderelection.LeaderCallbacks{OnStartedLeading: func(context.Context) {}, OnStoppedLeading: func() {}},
	}); err != nil {
		t.Fatal(err)
	}
	// The elector itself created the series: reading it below would
	// otherwise create it with 0.
	if n := testutil.CollectAndCount(leaderStatus); n != 1 {
		t.Errorf("leader_election_master_status has %d series after an elector was created, want 1", n)
	}
	if got := testutil.ToFloat64(leaderStatus.WithLabelValues("test-lease")); got != 0 {
		t.Errorf("leader_election_master_status of a new elector = %v, want 0", got)
	}
	leaderMetric{}.On("test-lease")
	if got := testutil.ToFloat64(leaderStatus.WithLabelValues("test-lease")); got != 1 {
		t.Errorf("leader_election_master_status while leading = %v, want 1", got)
	}
}
