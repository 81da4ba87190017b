// Package metrics holds the controller's Prometheus metrics. Its own
// (syncs, child writes, the FittingJobs' series, build info) are in
// Registry; the workqueue's, client-go's requests and leader election's are
// those of Kubernetes' own components: k8s.io/component-base's adapters,
// installed by importing this package, register them with component-base's
// legacy registry, which also holds the Go runtime and process collectors.
// Gatherer, which the binary serves on /metrics, reads both.
//
// The adapters are installed once, by the first package that imports one
// (client-go keeps the first provider), so this package must be imported
// before a workqueue or a leader elector is created; the controller package
// imports it.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/component-base/metrics/legacyregistry"
	// The workqueue's, client-go's request and leader election's series,
	// under the names Kubernetes' own components export them.
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
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

// Gatherer gathers every series of the process: Registry's and those
// component-base's legacy registry holds.
var Gatherer prometheus.Gatherer = prometheus.Gatherers{Registry, legacyregistry.DefaultGatherer}

func init() {
	Registry.MustRegister(Syncs, ResyncsSkipped, SyncDuration, ChildWrites, StatusWrites, Panics)
}
