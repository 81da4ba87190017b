package metrics

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// BenchmarkSeriesFootprint reports the heap that the series of one
// FittingJob hold, with every series a FittingJob can have.
func BenchmarkSeriesFootprint(b *testing.B) {
	const n = 2000
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("ihpa-web%05d-http-requests-total", i)
	}
	success := metav1.NewTime(time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC))
	status := &ihpav1beta2.FittingJobStatus{
		LastSuccessfulTime: &success,
		LastRun:            &ihpav1beta2.LastRun{JobName: "web-1", Outcome: ihpav1beta2.RunSucceeded},
		Conditions: []metav1.Condition{
			{Type: ihpav1beta2.ConditionReady, Status: metav1.ConditionTrue, Reason: ihpav1beta2.ReasonSynced},
			{Type: ihpav1beta2.ConditionForecastFresh, Status: metav1.ConditionTrue, Reason: ihpav1beta2.ReasonFitSucceeded},
		},
	}
	var perFittingJob float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for _, name := range names {
			ObserveFittingJob("bench", name, status)
			CountRun("bench", name, ihpav1beta2.RunSucceeded)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perFittingJob = float64(after.HeapAlloc-before.HeapAlloc) / n
		for _, name := range names {
			ForgetFittingJob("bench", name)
		}
	}
	b.ReportMetric(perFittingJob, "heap-bytes/fittingjob")
}
