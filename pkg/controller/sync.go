package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// resultGone is the sync metric's result for a FittingJob that no longer
// exists or is being deleted.
const resultGone = "Gone"

// outcome is what syncing a FittingJob's children found, as its Ready
// condition reports it.
type outcome struct {
	reason  string
	message string
	// retry is set when a retry with backoff may help. Invalid input and
	// foreign objects wait for a change instead.
	retry error
	// cronJob is the CronJob as last returned by the API server, or as
	// cached when it was already in sync; nil when the sync stopped
	// before it.
	cronJob *batchv1.CronJob
}

// sync brings the children of the FittingJob named by key in line with it,
// then records in its status how that went and how its runs go. It returns
// an error only for what a retry can fix, and, when the status would
// change with time alone (a fresh forecast goes overdue, a run goes on too
// long), how long until then: the worker syncs the key again at that time,
// without waiting for an event or a resync.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) (requeueAfter time.Duration, err error) {
	logger := klog.FromContext(ctx).WithValues("fittingJob", key)
	ctx = klog.NewContext(ctx, logger)
	defer func(start time.Time) { metrics.SyncDuration.Observe(time.Since(start).Seconds()) }(time.Now())

	fj, err := c.fittingJobs.FittingJobs(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) || (err == nil && fj.DeletionTimestamp != nil) {
		logger.V(1).Info("FittingJob is gone; garbage collection removes its children")
		metrics.Syncs.WithLabelValues(resultGone).Inc()
		metrics.ForgetFittingJob(key.Namespace, key.Name)
		c.verified.forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}

	result := c.syncChildren(ctx, fj)
	metrics.Syncs.WithLabelValues(result.reason).Inc()
	if apierrors.IsConflict(result.retry) {
		// HTTP 409: someone wrote a child since the cache saw it. The
		// retry, from a fresher cache, will do; not worth a status write
		// and an event.
		logger.V(1).Info("Child changed under the sync, retrying", "err", result.retry)
		return 0, result.retry
	}
	if result.reason != ihpav1beta2.ReasonSynced {
		logger.V(1).Info("FittingJob is not in sync", "reason", result.reason, "message", result.message)
	}

	status := fj.Status.DeepCopy()
	if result.cronJob != nil {
		status.Schedule = result.cronJob.Spec.Schedule
	}
	fresh, recheck, err := c.syncRuns(fj, status, result.cronJob)
	if err != nil {
		return 0, errors.Join(result.retry, err)
	}
	if err := c.updateStatus(ctx, fj, status, result, fresh); err != nil {
		return 0, errors.Join(result.retry, err)
	}
	if !recheck.IsZero() {
		requeueAfter = recheck.Sub(c.clock.Now())
	}
	return requeueAfter, result.retry
}

// syncChildren makes fj's ConfigMap, then the CronJob that mounts it,
// match what the generator makes of fj, and records an event when that
// repaired drift. Children verified in sync since fj last changed are not compared
// again (verified.go).
func (c *Controller) syncChildren(ctx context.Context, fj *ihpav1beta2.FittingJob) outcome {
	if cronJob, ok := c.stillInSync(fj); ok {
		return inSync(fj, cronJob)
	}

	desired, errs := generator.Desired(fj)
	if len(errs) > 0 {
		return outcome{reason: ihpav1beta2.ReasonInvalidSpec, message: errs.ToAggregate().Error()}
	}
	if fj.Generation != fj.Status.ObservedGeneration {
		// Advice about the spec, once per generation rather than per sync.
		for _, warning := range generator.Warnings(fj) {
			c.recorder.Event(fj, corev1.EventTypeWarning, ihpav1beta2.EventReasonSpecWarning, warning)
		}
	}

	var written writes
	defer c.recordRepair(fj, &written)
	configMap, err := c.syncConfigMap(ctx, fj, desired.ConfigMap, &written)
	if err != nil {
		return childFailure(configMapKind, err)
	}
	cronJob, err := c.syncCronJob(ctx, fj, desired.CronJob, &written)
	if err != nil {
		return childFailure(cronJobKind, err)
	}
	c.verified.remember(fj, configMap, cronJob)
	return inSync(fj, cronJob)
}

func inSync(fj *ihpav1beta2.FittingJob, cronJob *batchv1.CronJob) outcome {
	return outcome{
		reason:  ihpav1beta2.ReasonSynced,
		message: fmt.Sprintf("ConfigMap %s and CronJob %s are in sync", generator.ConfigMapName(fj), cronJob.Name),
		cronJob: cronJob,
	}
}
