package metrics

import (
	"strings"

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
)

var runOutcomes = []ihpav1beta2.RunOutcome{ihpav1beta2.RunRunning, ihpav1beta2.RunSucceeded, ihpav1beta2.RunFailed, ihpav1beta2.RunUnknown}

func init() {
	Registry.MustRegister(lastSuccess, lastRunOutcome, runs, forecastFresh)
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
}

// runResult is the result label of a finished outcome: succeeded, failed.
func runResult(outcome ihpav1beta2.RunOutcome) string {
	return strings.ToLower(string(outcome))
}
