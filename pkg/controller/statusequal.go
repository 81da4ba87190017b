package controller

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// statusEqual reports whether two statuses say the same, as
// equality.Semantic.DeepEqual would, without reflection: it runs in every
// sync, and reflection took a third of the CPU of a resync
// (BenchmarkSyncVerified's profile). TestStatusEqualSeesEveryField fails
// when a field is added to the status and not here.
func statusEqual(a, b *ihpav1beta2.FittingJobStatus) bool {
	return a.ObservedGeneration == b.ObservedGeneration &&
		a.Schedule == b.Schedule &&
		timeEqual(a.LastScheduleTime, b.LastScheduleTime) &&
		timeEqual(a.LastSuccessfulTime, b.LastSuccessfulTime) &&
		lastRunEqual(a.LastRun, b.LastRun) &&
		slices.EqualFunc(a.Conditions, b.Conditions, conditionEqual)
}

func timeEqual(a, b *metav1.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(b))
}

func lastRunEqual(a, b *ihpav1beta2.LastRun) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.JobName == b.JobName && a.Outcome == b.Outcome && a.Reason == b.Reason && a.Message == b.Message &&
		timeEqual(a.StartTime, b.StartTime) && timeEqual(a.CompletionTime, b.CompletionTime)
}

func conditionEqual(a, b metav1.Condition) bool {
	return a.Type == b.Type && a.Status == b.Status && a.Reason == b.Reason && a.Message == b.Message &&
		a.ObservedGeneration == b.ObservedGeneration && a.LastTransitionTime.Equal(&b.LastTransitionTime)
}
