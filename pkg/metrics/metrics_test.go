package metrics

import (
	"context"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	clientmetrics "k8s.io/client-go/tools/metrics"
	"k8s.io/client-go/util/workqueue"

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

// client-go and the workqueue report through component-base's adapters,
// and Gatherer serves what they report beside Registry: the throttling
// latency of the rate limiter, a named queue's depth, and the status of a
// leader elector, which is 0 from its creation until it leads.
func TestClientGoSeriesAreGathered(t *testing.T) {
	clientmetrics.RateLimiterLatency.Observe(context.Background(), "GET", url.URL{Host: "api:6443"}, 300*time.Millisecond)
	queue := workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "test-queue"})
	defer queue.ShutDown()
	queue.Add("a")
	queue.Add("b")
	if _, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: &resourcelock.LeaseLock{LockConfig: resourcelock.ResourceLockConfig{Identity: "me"}}, Name: "test-lease",
		LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
		Callbacks: leaderelection.LeaderCallbacks{OnStartedLeading: func(context.Context) {}, OnStoppedLeading: func() {}},
	}); err != nil {
		t.Fatal(err)
	}

	for _, want := range []struct {
		family, label, value string
		sampleCount          uint64
		gauge                float64
	}{
		{family: "rest_client_rate_limiter_duration_seconds", label: "host", value: "api:6443", sampleCount: 1},
		{family: "workqueue_depth", label: "name", value: "test-queue", gauge: 2},
		{family: "leader_election_master_status", label: "name", value: "test-lease", gauge: 0},
	} {
		m := gathered(t, want.family, want.label, want.value)
		if m == nil {
			t.Errorf("%s{%s=%q} is not gathered", want.family, want.label, want.value)
			continue
		}
		if h := m.GetHistogram(); h != nil && h.GetSampleCount() != want.sampleCount {
			t.Errorf("%s{%s=%q} counts %d samples, want %d", want.family, want.label, want.value, h.GetSampleCount(), want.sampleCount)
		}
		if g := m.GetGauge(); g != nil && g.GetValue() != want.gauge {
			t.Errorf("%s{%s=%q} = %v, want %v", want.family, want.label, want.value, g.GetValue(), want.gauge)
		}
	}
	// The process's own series come once, from the legacy registry.
	if m := gathered(t, "process_start_time_seconds", "", ""); m == nil {
		t.Error("process_start_time_seconds is not gathered")
	}
}

// gathered returns the series of family whose label has value (any series
// when label is empty) as Gatherer gathers it, or nil.
func gathered(t *testing.T, family, label, value string) *dto.Metric {
	t.Helper()
	families, err := Gatherer.Gather()
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	for _, f := range families {
		if f.GetName() != family {
			continue
		}
		for _, m := range f.GetMetric() {
			if label == "" {
				return m
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m
				}
			}
		}
	}
	return nil
}
