package metrics

import (
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// Per-FittingJob series, labelled with namespace and fittingjob. The
// controller sets them from the status it has recorded and deletes them
// when the FittingJob is gone (ForgetFittingJob), so that they do not leak.
var (
	lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fittingjob_last_success_timestamp_seconds",
		Help: "When the last successful fit of the FittingJob completed (status.lastSuccessfulTime), in seconds since the epoch.",
	}, []string{"namespace", "fittingjob"})

	lastRunOutcome = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fittingjob_last_run_outcome",
		Help: "Outcome of the FittingJob's last run (status.lastRun.outcome): 1 for the current outcome, 0 for the others.",
	}, []string{"namespace", "fittingjob", "outcome"})

	runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fittingjob_runs_total",
		Help: "Runs of the FittingJob seen to finish, by result (succeeded, failed).",
	}, []string{"namespace", "fittingjob", "result"})

	forecastFresh = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fittingjob_forecast_fresh",
		Help: "1 when the FittingJob's ForecastFresh condition is True, 0 when it is False; absent while it is Unknown.",
	}, []string{"namespace", "fittingjob"})

	statusCondition = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fittingjob_status_condition",
		Help: "The FittingJob's conditions (Ready, ForecastFresh), one-hot: for each, 1 for its current status (true, false, unknown) and 0 for the other two; a condition not recorded counts as unknown.",
	}, []string{"namespace", "fittingjob", "condition", "status"})

	statusConditionReason = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fittingjob_status_condition_reason",
		Help: "The reason of each of the FittingJob's conditions: 1 for the current reason, and no series for the others; none while the condition is not recorded.",
	}, []string{"namespace", "fittingjob", "condition", "reason"})
)

// conditionTypes are the conditions exported as fittingjob_status_condition,
// and conditionStatuses its status label values, lowercase as
// kube-state-metrics has them.
var (
	conditionTypes    = []string{ihpav1beta2.ConditionReady, ihpav1beta2.ConditionForecastFresh}
	conditionStatuses = []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}
)

// reasons remembers the reason each condition's reason series was last set
// with, so that a new reason replaces it (deleting the old series first
// would let a scrape in between see none).
var reasons = struct {
	mu sync.Mutex
	m  map[conditionKey]string
}{m: map[conditionKey]string{}}

type conditionKey struct{ namespace, name, condition string }

var runOutcomes = []ihpav1beta2.RunOutcome{ihpav1beta2.RunQueued, ihpav1beta2.RunRunning, ihpav1beta2.RunSucceeded, ihpav1beta2.RunFailed, ihpav1beta2.RunUnknown}

func init() {
	Registry.MustRegister(lastSuccess, lastRunOutcome, runs, forecastFresh, statusCondition, statusConditionReason)
}

// ObserveFittingJob sets the gauges of a FittingJob from its recorded
// status, and makes its run counters exist from zero, so that the first
// run is an increase.
func ObserveFittingJob(namespace, name string, status *ihpav1beta2.FittingJobStatus) {
	for _, result := range []ihpav1beta2.RunOutcome{ihpav1beta2.RunSucceeded, ihpav1beta2.RunFailed} {
		runs.WithLabelValues(namespace, name, runResult(result))
	}

	if status.LastSuccessfulTime != nil {
		lastSuccess.WithLabelValues(namespace, name).Set(float64(status.LastSuccessfulTime.Unix()))
	} else {
		lastSuccess.DeleteLabelValues(namespace, name)
	}

	for _, outcome := range runOutcomes {
		if status.LastRun == nil {
			lastRunOutcome.DeleteLabelValues(namespace, name, string(outcome))
			continue
		}
		value := 0.0
		if status.LastRun.Outcome == outcome {
			value = 1
		}
		lastRunOutcome.WithLabelValues(namespace, name, string(outcome)).Set(value)
	}

	switch c := meta.FindStatusCondition(status.Conditions, ihpav1beta2.ConditionForecastFresh); {
	case c != nil && c.Status == metav1.ConditionTrue:
		forecastFresh.WithLabelValues(namespace, name).Set(1)
	case c != nil && c.Status == metav1.ConditionFalse:
		forecastFresh.WithLabelValues(namespace, name).Set(0)
	default:
		forecastFresh.DeleteLabelValues(namespace, name)
	}

	for _, conditionType := range conditionTypes {
		c := meta.FindStatusCondition(status.Conditions, conditionType)
		current := metav1.ConditionUnknown
		if c != nil && (c.Status == metav1.ConditionTrue || c.Status == metav1.ConditionFalse) {
			current = c.Status
		}
		for _, s := range conditionStatuses {
			value := 0.0
			if s == current {
				value = 1
			}
			statusCondition.WithLabelValues(namespace, name, conditionType, strings.ToLower(string(s))).Set(value)
		}
		reason := ""
		if c != nil {
			reason = c.Reason
		}
		setReason(conditionKey{namespace, name, conditionType}, reason)
	}
}

// setReason makes reason the one reason series of a condition: it sets
// the new series before it deletes the old one. An empty reason leaves
// none.
func setReason(key conditionKey, reason string) {
	reasons.mu.Lock()
	defer reasons.mu.Unlock()
	old, had := reasons.m[key]
	if reason != "" {
		statusConditionReason.WithLabelValues(key.namespace, key.name, key.condition, reason).Set(1)
		reasons.m[key] = reason
	} else {
		delete(reasons.m, key)
	}
	if had && old != reason {
		statusConditionReason.DeleteLabelValues(key.namespace, key.name, key.condition, old)
	}
}

// CountRun counts one finished run of a FittingJob.
func CountRun(namespace, name string, outcome ihpav1beta2.RunOutcome) {
	runs.WithLabelValues(namespace, name, runResult(outcome)).Inc()
}

// ForgetFittingJob deletes every series of a FittingJob that is gone.
func ForgetFittingJob(namespace, name string) {
	labels := prometheus.Labels{"namespace": namespace, "fittingjob": name}
	lastSuccess.DeletePartialMatch(labels)
	lastRunOutcome.DeletePartialMatch(labels)
	runs.DeletePartialMatch(labels)
	forecastFresh.DeletePartialMatch(labels)
	statusCondition.DeletePartialMatch(labels)
	reasons.mu.Lock()
	defer reasons.mu.Unlock()
	for _, conditionType := range conditionTypes {
		delete(reasons.m, conditionKey{namespace, name, conditionType})
	}
	statusConditionReason.DeletePartialMatch(labels)
}

// runResult is the result label of a finished outcome: succeeded, failed.
func runResult(outcome ihpav1beta2.RunOutcome) string {
	return strings.ToLower(string(outcome))
}
