package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// updateStatus records result in the Ready condition, then fresh (the
// ForecastFresh condition), and writes the status when it differs from the
// one stored, and only then: a sync that changes nothing writes nothing. A
// Warning event accompanies each new failure.
func (c *Controller) updateStatus(ctx context.Context, fj *ihpav1beta2.FittingJob, status *ihpav1beta2.FittingJobStatus, result outcome, fresh metav1.Condition) error {
	condition := metav1.Condition{
		Type:               ihpav1beta2.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             result.reason,
		Message:            cut(result.message, maxConditionMessage),
		ObservedGeneration: fj.Generation,
	}
	fresh.Message = cut(fresh.Message, maxConditionMessage)
	if result.reason != ihpav1beta2.ReasonSynced {
		condition.Status = metav1.ConditionFalse
		if previous := meta.FindStatusCondition(fj.Status.Conditions, ihpav1beta2.ConditionReady); previous == nil ||
			previous.Reason != condition.Reason || previous.Message != condition.Message {
			c.recorder.Event(fj, corev1.EventTypeWarning, condition.Reason, condition.Message)
		}
	}
	meta.SetStatusCondition(&status.Conditions, condition)
	meta.SetStatusCondition(&status.Conditions, fresh)
	status.ObservedGeneration = fj.Generation

	if equality.Semantic.DeepEqual(&fj.Status, status) {
		metrics.ObserveFittingJob(fj.Namespace, fj.Name, &fj.Status)
		return nil
	}
	updated := fj.DeepCopy()
	updated.Status = *status
	if _, err := c.ihpaClient.IhpaV1beta2().FittingJobs(fj.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return err
	}
	metrics.StatusWrites.Inc()
	// Only now that the transition is recorded: a failed write is retried
	// from the old status, and a restarted controller finds the new one,
	// so neither repeats an event or a count.
	c.recordRunTransition(fj, &fj.Status, status)
	metrics.ObserveFittingJob(fj.Namespace, fj.Name, status)
	return nil
}

// recordRunTransition records the events and counts of a run that the new
// status shows finished and the recorded one did not: one Warning per
// failed Job, and one Normal event when a run succeeds after failed or
// stuck ones.
func (c *Controller) recordRunTransition(fj *ihpav1beta2.FittingJob, recorded, status *ihpav1beta2.FittingJobStatus) {
	run, before := status.LastRun, recorded.LastRun
	if run == nil || run.Outcome == ihpav1beta2.RunRunning ||
		(before != nil && before.JobName == run.JobName && before.Outcome == run.Outcome) {
		return
	}
	metrics.CountRun(fj.Namespace, fj.Name, run.Outcome)
	switch run.Outcome {
	case ihpav1beta2.RunFailed:
		c.recorder.Eventf(fj, corev1.EventTypeWarning, ihpav1beta2.EventReasonFitFailed,
			"Job %s failed: %s: %s", run.JobName, run.Reason, run.Message)
	case ihpav1beta2.RunSucceeded:
		if fresh := meta.FindStatusCondition(recorded.Conditions, ihpav1beta2.ConditionForecastFresh); fresh != nil &&
			fresh.Status == metav1.ConditionFalse &&
			(fresh.Reason == ihpav1beta2.ReasonFitFailed || fresh.Reason == ihpav1beta2.ReasonFitStuck) {
			c.recorder.Eventf(fj, corev1.EventTypeNormal, ihpav1beta2.EventReasonFitRecovered,
				"Job %s succeeded after failed or stuck runs", run.JobName)
		}
	}
}
