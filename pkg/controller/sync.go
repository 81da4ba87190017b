package controller

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// resultGone is the sync metric's result for a FittingJob that no longer
// exists or is being deleted.
const resultGone = "Gone"

// sync brings the FittingJob named by key in line, in one pass:
//
//  1. observe: read the FittingJob, its cached children and its runs
//     from the listers (observe.go);
//  2. children: make the ConfigMap and CronJob match what the generator
//     makes of the FittingJob, writing only what differs (children.go);
//  3. compute: the status, the events and when to look again, a pure
//     function of the FittingJob, what the children sync did, its runs
//     and the time (status.go);
//  4. conclude: write the status if it changed, then emit the events and
//     metrics of the whole sync, once (emit.go).
//
// It returns an error only for what a retry can fix, and, when the status
// would change with time alone (a fresh forecast goes overdue, a run goes
// on too long), how long until then: the worker syncs the key again at
// that time.
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
		c.seriesSetAt.forget(key)
		c.lastInputs.forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	seen, err := c.observe(fj)
	if err != nil {
		return 0, err
	}

	children := c.syncChildren(ctx, fj, seen)
	metrics.Syncs.WithLabelValues(children.reason).Inc()
	c.lastInputs.forget(key) // until this sync completes
	if apierrors.IsConflict(children.retry) {
		// HTTP 409: someone wrote a child since the cache saw it. The
		// retry, from a fresher cache, will do; not worth a status write
		// and an event.
		logger.V(1).Info("Child changed under the sync, retrying", "err", children.retry)
		c.conclude(ctx, fj, children, nil)
		return 0, children.retry
	}
	if children.reason != ihpav1beta2.ReasonSynced {
		logger.V(1).Info("FittingJob is not in sync", "reason", children.reason, "message", children.message)
	}

	next := computeStatus(statusInputs{
		fittingJob: fj,
		children:   children,
		seen:       seen,
		now:        c.clock.Now(),
		grace:      c.grace,
		parse:      c.schedules.parse,
	})
	if err := c.conclude(ctx, fj, children, &next); err != nil {
		return 0, errors.Join(children.retry, err)
	}
	if children.reason == ihpav1beta2.ReasonSynced {
		// Only a sync that found its children in sync was made of the
		// caches alone: one that met a foreign object or a refusal read
		// or asked the API server, and what it found there (a foreign
		// ConfigMap deleted since, say) has no event: resyncs retry it.
		c.rememberInputs(key, fj, seen, next.requeueAfter)
	}
	return next.requeueAfter, children.retry
}
