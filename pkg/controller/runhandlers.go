package controller

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

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
