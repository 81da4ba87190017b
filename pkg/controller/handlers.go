package controller

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/cache"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

func (c *Controller) enqueueFittingJob(obj any) {
	key, err := cache.DeletionHandlingObjectToName(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(key)
}

// updateFittingJob skips updates that change neither the spec nor anything
// sync reads: the controller's own status writes come back as updates, and
// syncing on them would only read the caches again. An update with the
// same resourceVersion (the informer relisted) is a resync.
func (c *Controller) updateFittingJob(oldObj, newObj any) {
	oldFJ, newFJ := oldObj.(*ihpav1beta2.FittingJob), newObj.(*ihpav1beta2.FittingJob)
	switch {
	case oldFJ.ResourceVersion == newFJ.ResourceVersion:
		c.resyncFittingJob(newFJ)
	case oldFJ.Generation != newFJ.Generation || !oldFJ.DeletionTimestamp.Equal(newFJ.DeletionTimestamp):
		c.enqueueFittingJob(newObj)
	}
}

// addChild ignores children that arrive with their controller reference:
// the controller created them itself (or lists them at start-up, when every
// FittingJob is queued anyway). Syncing on them would only race the status
// the creating sync has just written, with a stale copy from the cache.
// A labelled child without a controller reference is still queued, so that
// the reference is restored.
func (c *Controller) addChild(obj any) {
	if metav1.GetControllerOf(obj.(metav1.Object)) != nil {
		return
	}
	c.handleChild(obj)
}

// updateChild ignores resyncs of a child (the FittingJob's own resync
// covers it) and the controller's own writes: the sync that made them has
// already verified that version.
func (c *Controller) updateChild(oldObj, newObj any) {
	if oldObj.(metav1.Object).GetResourceVersion() == newObj.(metav1.Object).GetResourceVersion() ||
		c.verified.isVerifiedVersion(newObj) {
		return
	}
	c.handleChild(newObj)
}

// handleChild maps a ConfigMap or CronJob event to the FittingJob that
// controls it. A child whose controller reference was removed but which
// still carries the managed-by label maps to the FittingJob its name
// belongs to, so that the reference is restored.
func (c *Controller) handleChild(obj any) {
	child, ok := withoutTombstone(obj).(metav1.Object)
	if !ok {
		utilruntime.HandleError(fmt.Errorf("unexpected object in child event handler: %T", obj))
		return
	}
	if name, ok := generator.OwnerOf(child); ok {
		c.enqueueIfExists(child.GetNamespace(), name)
	}
}

// withoutTombstone returns the object a delete event carries, whether the
// informer saw the deletion or only learnt of it on a relist.
func withoutTombstone(obj any) any {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return tombstone.Obj
	}
	return obj
}

// enqueueIfExists queues the FittingJob namespace/name, for a change of one
// of its children or runs, if the cache holds it. Events of objects whose
// FittingJob is gone are dropped: garbage collection is removing them.
func (c *Controller) enqueueIfExists(namespace, name string) {
	if _, err := c.fittingJobs.FittingJobs(namespace).Get(name); err != nil {
		return
	}
	c.queue.Add(cache.ObjectName{Namespace: namespace, Name: name})
}

// ifChanged drops resyncs (same resourceVersion): the FittingJob's own
// resync covers its runs.
func ifChanged(handle func(obj any)) func(oldObj, newObj any) {
	return func(oldObj, newObj any) {
		if oldObj.(metav1.Object).GetResourceVersion() == newObj.(metav1.Object).GetResourceVersion() {
			return
		}
		handle(newObj)
	}
}

// handleJob maps a Job event to the FittingJob its label names, in the
// Job's namespace, if that FittingJob exists.
func (c *Controller) handleJob(obj any) {
	job, ok := withoutTombstone(obj).(*batchv1.Job)
	if !ok {
		utilruntime.HandleError(fmt.Errorf("unexpected object in Job event handler: %T", obj))
		return
	}
	if name := job.Labels[ihpav1beta2.FittingJobNameLabel]; name != "" {
		c.enqueueIfExists(job.Namespace, name)
	}
}

// handlePod maps a Pod event to its FittingJob through the Job that
// controls the Pod: a Pod counts only as part of one of the FittingJob's
// runs.
func (c *Controller) handlePod(obj any) {
	pod, ok := withoutTombstone(obj).(*corev1.Pod)
	if !ok {
		utilruntime.HandleError(fmt.Errorf("unexpected object in Pod event handler: %T", obj))
		return
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != "Job" {
		return
	}
	job, err := c.jobs.Jobs(pod.Namespace).Get(ref.Name)
	if err != nil || job.UID != ref.UID {
		return
	}
	c.handleJob(job)
}

// handleFailedCreate maps the Job controller's FailedCreate event on a Job
// to that Job's FittingJob: the API server refused the run's Pod.
func (c *Controller) handleFailedCreate(obj any) {
	event, ok := withoutTombstone(obj).(*corev1.Event)
	if !ok {
		utilruntime.HandleError(fmt.Errorf("unexpected object in event handler: %T", obj))
		return
	}
	job, err := c.jobs.Jobs(event.InvolvedObject.Namespace).Get(event.InvolvedObject.Name)
	if err != nil || job.UID != event.InvolvedObject.UID {
		return // not one of the runs the controller caches
	}
	c.handleJob(job)
}
