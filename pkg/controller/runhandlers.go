package controller

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/cache"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

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
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	job, ok := obj.(*batchv1.Job)
	if !ok {
		utilruntime.HandleError(fmt.Errorf("unexpected object in Job event handler: %T", obj))
		return
	}
	name := job.Labels[ihpav1beta2.FittingJobNameLabel]
	if name == "" {
		return
	}
	if _, err := c.fittingJobs.FittingJobs(job.Namespace).Get(name); err != nil {
		return
	}
	c.queue.Add(cache.ObjectName{Namespace: job.Namespace, Name: name})
}

// handlePod maps a Pod event to its FittingJob through the Job that
// controls the Pod: a Pod counts only as part of one of the FittingJob's
// runs.
func (c *Controller) handlePod(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	pod, ok := obj.(*corev1.Pod)
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
