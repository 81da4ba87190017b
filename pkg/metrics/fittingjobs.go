package metrics

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// Per-FittingJob series, labelled with namespace and fittingjob. The
// controller sets them from the status it has recorded and deletes them
// when the FittingJob is gone (ForgetFittingJob), so that they do not leak.
//
// They are made at scrape time from one small record per FittingJob
// (fittingJobSeries), not kept as children of metric vectors: a
// FittingJob has up to 16 series, and as vector children, each with its
// label pairs, they held about 10 KB of heap per FittingJob, where the
// record holds about 0.2 KB (BenchmarkSeriesFootprint).
var (
	lastSuccessDesc = prometheus.NewDesc("fittingjob_last_success_timestamp_seconds",
		"When the last successful fit of the FittingJob completed (status.lastSuccessfulTime), in seconds since the epoch.",
		[]string{"namespace", "fittingjob"}, nil)

	lastRunOutcomeDesc = prometheus.NewDesc("fittingjob_last_run_outcome",
		"Outcome of the FittingJob's last run (status.lastRun.outcome): 1 for the current outcome, 0 for the others.",
		[]string{"namespace", "fittingjob", "outcome"}, nil)

	runsDesc = prometheus.NewDesc("fittingjob_runs_total",
		"Runs of the FittingJob seen to finish, by result (succeeded, failed).",
		[]string{"namespace", "fittingjob", "result"}, nil)

	forecastFreshDesc = prometheus.NewDesc("fittingjob_forecast_fresh",
		"1 when the FittingJob's ForecastFresh condition is True, 0 when it is False; absent while it is Unknown.",
		[]string{"namespace", "fittingjob"}, nil)

	statusConditionDesc = prometheus.NewDesc("fittingjob_status_condition",
		"The FittingJob's conditions (Ready, ForecastFresh), one-hot: for each, 1 for its current status (true, false, unknown) and 0 for the other two; a condition not recorded counts as unknown.",
		[]string{"namespace", "fittingjob", "condition", "status"}, nil)

	statusConditionReasonDesc = prometheus.NewDesc("fittingjob_status_condition_reason",
		"The reason of each of the FittingJob's conditions: 1 for the current reason, and no series for the others; none while the condition is not recorded.",
		[]string{"namespace", "fittingjob", "condition", "reason"}, nil)
)

// conditionTypes are the conditions exported as fittingjob_status_condition,
// and conditionStatuses its status label values, lowercase as
// kube-state-metrics has them.
var (
	conditionTypes    = [...]string{ihpav1beta2.ConditionReady, ihpav1beta2.ConditionForecastFresh}
	conditionStatuses = [...]metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}
	statusLabels      = [...]string{"true", "false", "unknown"}
)

// unknownStatus is the index of Unknown in conditionStatuses.
const unknownStatus = 2

var runOutcomes = [...]ihpav1beta2.RunOutcome{ihpav1beta2.RunQueued, ihpav1beta2.RunRunning, ihpav1beta2.RunSucceeded, ihpav1beta2.RunFailed, ihpav1beta2.RunUnknown}

// runResults are the result labels of fittingjob_runs_total, in the order
// of fittingJobSeries.runs.
var runResults = [...]ihpav1beta2.RunOutcome{ihpav1beta2.RunSucceeded, ihpav1beta2.RunFailed}

// fittingJobSeries is what one FittingJob's series are made of.
type fittingJobSeries struct {
	// lastSuccess is status.lastSuccessfulTime in seconds since the
	// epoch; no series without hasLastSuccess.
	lastSuccess    float64
	hasLastSuccess bool
	// lastRun is status.lastRun.outcome; no series without hasLastRun.
	lastRun    ihpav1beta2.RunOutcome
	hasLastRun bool
	// conditions are, for each of conditionTypes, the index of its status
	// in conditionStatuses and its reason (empty: not recorded).
	conditions [len(conditionTypes)]struct {
		status uint8
		reason string
	}
	// runs counts the finished runs by runResults, since created.
	runs    [len(runResults)]uint64
	created time.Time
}

type fittingJobKey struct{ namespace, name string }

// fittingJobCollector makes the per-FittingJob series from their records
// at every scrape.
type fittingJobCollector struct {
	mu     sync.RWMutex
	series map[fittingJobKey]*fittingJobSeries
}

var fittingJobs = &fittingJobCollector{series: map[fittingJobKey]*fittingJobSeries{}}

func init() {
	Registry.MustRegister(fittingJobs)
}

func (c *fittingJobCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{lastSuccessDesc, lastRunOutcomeDesc, runsDesc, forecastFreshDesc, statusConditionDesc, statusConditionReasonDesc} {
		ch <- d
	}
}

func (c *fittingJobCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	gauge := func(desc *prometheus.Desc, value float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, value, labels...)
	}
	for key, s := range c.series {
		ns, name := key.namespace, key.name
		for i, result := range runResults {
			ch <- prometheus.MustNewConstMetricWithCreatedTimestamp(runsDesc, prometheus.CounterValue, float64(s.runs[i]), s.created,
				ns, name, runResult(result))
		}
		if s.hasLastSuccess {
			gauge(lastSuccessDesc, s.lastSuccess, ns, name)
		}
		if s.hasLastRun {
			for _, outcome := range runOutcomes {
				gauge(lastRunOutcomeDesc, oneIf(outcome == s.lastRun), ns, name, string(outcome))
			}
		}
		for i, conditionType := range conditionTypes {
			current := s.conditions[i]
			for j, label := range statusLabels {
				gauge(statusConditionDesc, oneIf(int(current.status) == j), ns, name, conditionType, label)
			}
			if current.reason != "" {
				gauge(statusConditionReasonDesc, 1, ns, name, conditionType, current.reason)
			}
			if conditionType == ihpav1beta2.ConditionForecastFresh && current.status != unknownStatus {
				gauge(forecastFreshDesc, oneIf(conditionStatuses[current.status] == metav1.ConditionTrue), ns, name)
			}
		}
	}
}

func oneIf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// get returns the record of namespace/name, made when missing; c.mu is
// held for writing.
func (c *fittingJobCollector) get(namespace, name string) *fittingJobSeries {
	key := fittingJobKey{namespace, name}
	s, ok := c.series[key]
	if !ok {
		s = &fittingJobSeries{created: time.Now()}
		for i := range s.conditions {
			s.conditions[i].status = unknownStatus
		}
		c.series[key] = s
	}
	return s
}

// ObserveFittingJob sets the gauges of a FittingJob from its recorded
// status, and makes its run counters exist from zero, so that the first
// run is an increase.
func ObserveFittingJob(namespace, name string, status *ihpav1beta2.FittingJobStatus) {
	fittingJobs.mu.Lock()
	defer fittingJobs.mu.Unlock()
	s := fittingJobs.get(namespace, name)

	s.hasLastSuccess = status.LastSuccessfulTime != nil
	s.lastSuccess = 0
	if s.hasLastSuccess {
		s.lastSuccess = float64(status.LastSuccessfulTime.Unix())
	}
	s.lastRun, s.hasLastRun = "", status.LastRun != nil
	if s.hasLastRun {
		s.lastRun = status.LastRun.Outcome
	}
	for i, conditionType := range conditionTypes {
		c := meta.FindStatusCondition(status.Conditions, conditionType)
		s.conditions[i].status, s.conditions[i].reason = unknownStatus, ""
		if c == nil {
			continue
		}
		s.conditions[i].reason = c.Reason
		for j, known := range conditionStatuses {
			if c.Status == known {
				s.conditions[i].status = uint8(j)
			}
		}
	}
}

// CountRun counts one finished run of a FittingJob.
func CountRun(namespace, name string, outcome ihpav1beta2.RunOutcome) {
	fittingJobs.mu.Lock()
	defer fittingJobs.mu.Unlock()
	s := fittingJobs.get(namespace, name)
	for i, result := range runResults {
		if result == outcome {
			s.runs[i]++
		}
	}
}

// ForgetFittingJob deletes every series of a FittingJob that is gone.
func ForgetFittingJob(namespace, name string) {
	fittingJobs.mu.Lock()
	defer fittingJobs.mu.Unlock()
	delete(fittingJobs.series, fittingJobKey{namespace, name})
}

// runResult is the result label of a finished outcome: succeeded, failed.
func runResult(outcome ihpav1beta2.RunOutcome) string {
	return strings.ToLower(string(outcome))
}
