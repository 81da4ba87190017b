package controller

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// One controller serves every namespace: a panic while syncing one
// FittingJob must not stop the process, or every tenant's FittingJobs stop
// being reconciled, and the standby that takes the Lease over dies on the
// same object. So the worker contains a panic to the key it syncs, and
// calls into parsers of user text go through guard.

// syncContained runs the sync handler for key and contains a panic in it,
// ours or a library's: it is logged with its stack, counted, reported on
// the FittingJob (Ready=False SyncPanic and a Warning event) and returned
// as an error, so that the worker retries the key with backoff.
func (c *Controller) syncContained(ctx context.Context, key cache.ObjectName) (requeueAfter time.Duration, err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		metrics.Panics.WithLabelValues("sync").Inc()
		klog.FromContext(ctx).Error(nil, "Sync panicked; retrying with backoff",
			"fittingJob", key, "panic", r, "stack", string(debug.Stack()))
		requeueAfter, err = 0, fmt.Errorf("sync panicked: %v", r)
		if reportErr := c.reportPanic(ctx, key, r); reportErr != nil {
			err = errors.Join(err, reportErr)
		}
	}()
	return c.syncHandler(ctx, key)
}

// reportPanic records on the FittingJob that its sync panicked with r: the
// Ready condition turns False with reason SyncPanic, with a Warning event
// when it was not already so. Nothing else of the status is touched: the
// panic may have come from anywhere in the sync.
func (c *Controller) reportPanic(ctx context.Context, key cache.ObjectName, r any) (err error) {
	defer func() {
		// Reporting must not bring down what it reports on.
		if r := recover(); r != nil {
			err = fmt.Errorf("reporting the panic panicked: %v", r)
		}
	}()
	fj, err := c.fittingJobs.FittingJobs(key.Namespace).Get(key.Name)
	if err != nil {
		// Gone: nothing to report on.
		return nil
	}
	ready := metav1.Condition{
		Type:   ihpav1beta2.ConditionReady,
		Status: metav1.ConditionFalse,
		Reason: ihpav1beta2.ReasonSyncPanic,
		Message: cut(fmt.Sprintf("The controller failed while syncing this FittingJob (%v) and retries with backoff. "+
			"This is a bug: please report it with the controller's log, which holds the stack.", r), maxConditionMessage),
		ObservedGeneration: fj.Generation,
	}
	if previous := meta.FindStatusCondition(fj.Status.Conditions, ihpav1beta2.ConditionReady); previous != nil &&
		previous.Status == ready.Status && previous.Reason == ready.Reason && previous.Message == ready.Message {
		return nil
	}
	c.recorder.Event(fj, corev1.EventTypeWarning, ready.Reason, ready.Message)
	updated := fj.DeepCopy()
	meta.SetStatusCondition(&updated.Status.Conditions, ready)
	if _, err := c.ihpaClient.IhpaV1beta2().FittingJobs(fj.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("reporting the panic on the FittingJob: %w", err)
	}
	metrics.StatusWrites.Inc()
	return nil
}

// guard calls parse, a parser of user text, and turns a panic inside it
// into an error: the input then counts as invalid, as it should, instead
// of failing the whole sync. Every parser the sync feeds with what a user
// wrote goes through it.
func guard[T any](what string, parse func() (T, error)) (result T, err error) {
	defer func() {
		if r := recover(); r != nil {
			metrics.Panics.WithLabelValues("parser").Inc()
			var zero T
			result, err = zero, fmt.Errorf("%s: the parser failed on this input (%v)", what, r)
		}
	}()
	return parse()
}
