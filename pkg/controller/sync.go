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

// outcome is what one sync of a FittingJob found, as its Ready condition
// reports it. err is set only when a retry may help; invalid input and
// conflicts wait until something changes instead.
type outcome struct {
	reason  string
	message string
	err     error
	// cronJob is the CronJob as last returned by the API server, when the
	// sync got that far.
	cronJob *batchv1.CronJob
}

// sync brings the children of the FittingJob named by key in line with it
// and records the outcome in its status. It returns an error only for what
// a retry can fix.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	logger := klog.FromContext(ctx).WithValues("fittingJob", key)
	ctx = klog.NewContext(ctx, logger)
	defer func(start time.Time) { metrics.SyncDuration.Observe(time.Since(start).Seconds()) }(time.Now())

	fj, err := c.fittingJobs.FittingJobs(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		logger.V(1).Info("FittingJob is gone; garbage collection removes its children")
		metrics.Syncs.WithLabelValues(resultGone).Inc()
		metrics.ForgetFittingJob(key.Namespace, key.Name)
		return nil
	}
	if err != nil {
		return err
	}
	if fj.DeletionTimestamp != nil {
		metrics.Syncs.WithLabelValues(resultGone).Inc()
		metrics.ForgetFittingJob(key.Namespace, key.Name)
		return nil
	}

	status := fj.Status.DeepCopy()
	result := c.syncChildren(ctx, fj, status)
	metrics.Syncs.WithLabelValues(result.reason).Inc()
	if apierrors.IsConflict(result.err) {
		// Someone wrote a child since the cache saw it: the retry, from a
		// fresher cache, will do. Not worth a status write and an event.
		logger.V(1).Info("Child changed under the sync, retrying", "err", result.err)
		return result.err
	}
	if result.reason != ReasonSynced {
		logger.V(1).Info("FittingJob is not in sync", "reason", result.reason, "message", result.message)
	}
	fresh, recheck, err := c.syncRuns(fj, status, result.cronJob)
	if err != nil {
		return errors.Join(result.err, err)
	}
	if !recheck.IsZero() {
		// The condition changes with time alone at recheck (a fresh
		// forecast goes overdue, a run goes on too long): sync then,
		// without waiting for an event or a resync.
		c.queue.AddAfter(key, recheck.Sub(c.clock.Now()))
	}
	return errors.Join(result.err, c.updateStatus(ctx, fj, status, result, fresh))
}

// syncChildren writes the ConfigMap, then the CronJob that mounts it, and
// fills in the status fields mirrored from the CronJob.
func (c *Controller) syncChildren(ctx context.Context, fj *ihpav1beta2.FittingJob, status *ihpav1beta2.FittingJobStatus) outcome {
	if errs := generator.Validate(fj); len(errs) > 0 {
		return outcome{reason: ReasonInvalidSpec, message: errs.ToAggregate().Error()}
	}
	if fj.Generation != fj.Status.ObservedGeneration {
		// Advice about the spec, once per generation rather than per sync.
		for _, warning := range generator.Warnings(fj) {
			c.recorder.Event(fj, corev1.EventTypeWarning, ReasonSpecWarning, warning)
		}
	}

	cm, err := generator.ConfigMap(fj)
	if err != nil {
		return outcome{reason: ReasonInvalidSpec, message: err.Error()}
	}
	if _, err := syncChild(ctx, c, fj, c.configMapKind(), cm); err != nil {
		return childFailure("ConfigMap", err)
	}

	cj, err := withSpecHash(generator.CronJob(fj))
	if err != nil {
		return outcome{reason: ReasonInvalidSpec, message: err.Error()}
	}
	live, err := syncChild(ctx, c, fj, c.cronJobKind(), cj)
	if err != nil {
		return childFailure("CronJob", err)
	}
	status.Schedule = live.Spec.Schedule
	return outcome{
		reason:  ReasonSynced,
		message: fmt.Sprintf("ConfigMap %s and CronJob %s are in sync", cm.Name, cj.Name),
		cronJob: live,
	}
}

// childFailure classifies an error from writing a child of kind.
func childFailure(kind string, err error) outcome {
	var conflict *conflictError
	switch {
	case errors.As(err, &conflict):
		return outcome{reason: kind + "Conflict", message: conflict.Error()}
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		// The API server refused what the spec asks for (an unknown time
		// zone, say): only a change of the FittingJob can fix it.
		return outcome{reason: kind + "Rejected", message: fmt.Sprintf("the API server refused the %s: %v", kind, err)}
	default:
		return outcome{reason: ReasonAPIError, message: fmt.Sprintf("writing the %s: %v", kind, err), err: err}
	}
}

// conflictError says that an object with a child's name exists and is not
// the FittingJob's to change.
type conflictError struct {
	kind, namespace, name string
}

func (e *conflictError) Error() string {
	return fmt.Sprintf("%s %s/%s already exists and is not controlled by this FittingJob; "+
		"delete or rename it, or rename the FittingJob", e.kind, e.namespace, e.name)
}
