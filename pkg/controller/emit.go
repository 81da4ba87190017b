package controller

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// conclude ends a sync: it emits what the children sync did, then, given
// the next status, writes it when it changed and emits what it newly
// records. next is nil when the sync ends before the status (a write
// conflict, retried).
func (c *Controller) conclude(ctx context.Context, fj *ihpav1beta2.FittingJob, children childrenResult, next *nextStatus) error {
	c.emitChildren(ctx, fj, children)
	if next == nil {
		return nil
	}
	if err := c.writeStatus(ctx, fj, *next); err != nil {
		return err
	}
	c.emitStatus(fj, *next)
	return nil
}

// emitChildren logs and counts the child writes of a sync, and records
// them as one Normal event when they repaired drift: the FittingJob's spec
// is the one its status has already seen in sync, so a child was changed
// or deleted by someone else and has been put back. Writes that carry out
// a new spec (the children of a new FittingJob, an edit) are what the user
// asked for: the Ready condition and observedGeneration record them, with
// no write of their own. Events thus never add a write to what a user's
// change costs, and stand out when something fights the controller.
func (c *Controller) emitChildren(ctx context.Context, fj *ihpav1beta2.FittingJob, children childrenResult) {
	var created, updated []string
	for _, w := range children.writes {
		metrics.ChildWrites.WithLabelValues(w.kind.name, w.verb).Inc()
		klog.FromContext(ctx).V(1).Info("Wrote child", "verb", w.verb, "kind", w.kind.name, "name", w.name)
		if w.verb == "create" {
			created = append(created, w.kind.name+" "+w.name)
		} else {
			updated = append(updated, w.kind.name+" "+w.name)
		}
	}
	if fj.Generation != fj.Status.ObservedGeneration || len(children.writes) == 0 {
		return
	}
	var parts []string
	if len(created) > 0 {
		parts = append(parts, "recreated "+strings.Join(created, " and "))
	}
	if len(updated) > 0 {
		parts = append(parts, "reverted "+strings.Join(updated, " and "))
	}
	reason := ihpav1beta2.EventReasonUpdated
	if len(created) > 0 {
		reason = ihpav1beta2.EventReasonCreated
	}
	message := strings.Join(parts, "; ") + " to match the FittingJob"
	c.recorder.Event(fj, corev1.EventTypeNormal, reason, strings.ToUpper(message[:1])+message[1:])
}

// writeStatus writes next's status when it differs from fj's recorded one,
// and only then: a sync that changes nothing writes nothing.
func (c *Controller) writeStatus(ctx context.Context, fj *ihpav1beta2.FittingJob, next nextStatus) error {
	if !next.changed {
		return nil
	}
	updated := fj.DeepCopy()
	updated.Status = next.status
	return c.updateStatus(ctx, updated)
}

// emitStatus records the events of a status now recorded, counts its
// write and the run it newly records as finished, and sets the
// FittingJob's series from it. Only now: a failed write is retried from
// the old status, and a restarted controller finds the new one, so
// neither repeats an event or a count.
func (c *Controller) emitStatus(fj *ihpav1beta2.FittingJob, next nextStatus) {
	if next.changed {
		metrics.StatusWrites.Inc()
	}
	for _, e := range next.events {
		c.recorder.Event(fj, e.eventType, e.reason, e.message)
	}
	if next.finished != nil {
		metrics.CountRun(fj.Namespace, fj.Name, next.finished.Outcome)
	}
	// The series change only with the status: a sync that found the
	// status as recorded at the version they were last set from (a
	// resync, mostly) leaves them be.
	key := cache.MetaObjectToName(fj)
	if setAt, ok := c.seriesSetAt.get(key); ok && !next.changed && fj.ResourceVersion != "" && setAt == fj.ResourceVersion {
		return
	}
	metrics.ObserveFittingJob(fj.Namespace, fj.Name, &next.status)
	if next.changed {
		c.seriesSetAt.forget(key) // the write made a version not seen yet
	} else {
		c.seriesSetAt.set(key, fj.ResourceVersion)
	}
}
