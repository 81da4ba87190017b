// Package metrics holds the controller's Prometheus metrics: its own (syncs,
// child writes, build info), the workqueue's, client-go's requests and
// client-side throttling, and leader election's, all in Registry, which the
// binary serves on /metrics.
//
// Importing the package installs the workqueue, client-go and leader
// election providers, as k8s.io/component-base does, so it must be imported
// before the workqueue or the leader elector is created; the controller
// package imports it.
package metrics

import (
	"context"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	clientmetrics "k8s.io/client-go/tools/metrics"
	"k8s.io/client-go/util/workqueue"
)

// Registry holds every metric of the process.
var Registry = prometheus.NewRegistry()

var (
	// Syncs counts syncs of FittingJobs by result: the Ready condition's
	// reason (Synced, InvalidSpec, ConfigMapConflict, APIError…), or Gone
	// for a FittingJob that no longer exists or is being deleted.
	Syncs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fittingjob_controller_syncs_total",
		Help: "Syncs of FittingJobs by result (the Ready condition's reason, or Gone).",
	}, []string{"result"})

	// ResyncsSkipped counts resyncs of FittingJobs that found the caches
	// exactly as the FittingJob's last complete sync observed them, with
	// no time-driven change due: they run no sync, and are not counted in
	// Syncs.
	ResyncsSkipped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "fittingjob_controller_resyncs_skipped_total",
		Help: "Resyncs that found a FittingJob's inputs unchanged since its last complete sync, and ran no sync.",
	})

	// SyncDuration observes how long a sync takes, writes included.
	SyncDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "fittingjob_controller_sync_duration_seconds",
		Help:    "Duration of a sync of one FittingJob, API writes included.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	})

	// ChildWrites counts writes to ConfigMaps and CronJobs by kind and verb.
	ChildWrites = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fittingjob_controller_child_writes_total",
		Help: "Writes of children by kind (ConfigMap, CronJob) and verb (create, update).",
	}, []string{"kind", "verb"})

	// Panics counts panics the controller contained, by where they were
	// caught: "sync" (a FittingJob's sync, which is then reported on the
	// FittingJob and retried with backoff) or "parser" (a parser of user
	// text, whose input then counts as invalid). Any of them is a bug.
	Panics = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fittingjob_controller_panics_total",
		Help: "Panics contained by the controller, by where they were caught (sync, parser).",
	}, []string{"where"})

	// StatusWrites counts writes of FittingJob status.
	StatusWrites = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "fittingjob_controller_status_writes_total",
		Help: "Writes of FittingJob status.",
	})
)

var (
	requestLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rest_client_request_duration_seconds",
		Help:    "Latency of requests to the API server, by verb and host.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"verb", "host"})
	requestResults = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rest_client_requests_total",
		Help: "Requests to the API server, by status code, method and host.",
	}, []string{"code", "method", "host"})
	// rateLimiterLatency shows when --kube-api-qps and --kube-api-burst,
	// not the API server, slow the controller down. Buckets as
	// Kubernetes' own components have them.
	rateLimiterLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rest_client_rate_limiter_duration_seconds",
		Help:    "Time requests to the API server waited for the client-side rate limiter, by verb and host.",
		Buckets: []float64{0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0},
	}, []string{"verb", "host"})
)

func init() {
	Registry.MustRegister(
		Syncs, ResyncsSkipped, SyncDuration, ChildWrites, StatusWrites, Panics,
		requestLatency, requestResults, rateLimiterLatency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	workqueue.SetProvider(workqueueProvider{})
	clientmetrics.Register(clientmetrics.RegisterOpts{
		RequestLatency:     latencyAdapter{requestLatency},
		RateLimiterLatency: latencyAdapter{rateLimiterLatency},
		RequestResult:      resultAdapter{},
	})
}

type latencyAdapter struct{ histogram *prometheus.HistogramVec }

func (a latencyAdapter) Observe(_ context.Context, verb string, u url.URL, latency time.Duration) {
	a.histogram.WithLabelValues(verb, u.Host).Observe(latency.Seconds())
}

type resultAdapter struct{}

func (resultAdapter) Increment(_ context.Context, code, method, host string) {
	requestResults.WithLabelValues(code, method, host).Inc()
}
