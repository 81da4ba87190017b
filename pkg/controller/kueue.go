package controller

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// A FittingJob with spec.queueName hands its runs to Kueue: every run's Job
// is created suspended with Kueue's queue label (pkg/generator), Kueue
// makes a Workload of it, and unsuspends the Job once its ClusterQueue has
// room. Until then the run is Queued, and the Workload's conditions say
// why it waits. Kueue's Go API imports controller-runtime, so Workloads
// are read as unstructured objects, through an informer that exists only
// where the cluster serves Kueue's API.

// KueueGroup is Kueue's API group.
const KueueGroup = "kueue.x-k8s.io"

// kueueVersions are the versions of Kueue's API whose Workloads the
// controller reads, preferred first; their conditions are the same.
var kueueVersions = []string{"v1beta2", "v1beta1"}

// WorkloadsResource is the Workloads resource of the newest Kueue API
// version the cluster serves, and false when it serves none (no Kueue):
// then the controller watches no Workload, and a queued run says that
// nothing will admit it.
func WorkloadsResource(client discovery.DiscoveryInterface) (schema.GroupVersionResource, bool, error) {
	for _, version := range kueueVersions {
		gv := schema.GroupVersion{Group: KueueGroup, Version: version}
		resources, err := client.ServerResourcesForGroupVersion(gv.String())
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return schema.GroupVersionResource{}, false, fmt.Errorf("discovering %s: %w", gv, err)
		}
		for _, r := range resources.APIResources {
			if r.Name == "workloads" {
				return gv.WithResource("workloads"), true, nil
			}
		}
	}
	return schema.GroupVersionResource{}, false, nil
}

// TrimWorkload is the transform of the Workload informer: of a Workload it
// keeps the metadata that names it and its Job, and the type, status,
// reason and message of its conditions.
func TrimWorkload(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	trimmed := &unstructured.Unstructured{Object: map[string]any{}}
	trimmed.SetAPIVersion(u.GetAPIVersion())
	trimmed.SetKind(u.GetKind())
	trimmed.SetNamespace(u.GetNamespace())
	trimmed.SetName(u.GetName())
	trimmed.SetUID(u.GetUID())
	trimmed.SetResourceVersion(u.GetResourceVersion())
	trimmed.SetOwnerReferences(u.GetOwnerReferences())
	conditions, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	kept := make([]any, 0, len(conditions))
	for _, c := range conditions {
		c, ok := c.(map[string]any)
		if !ok {
			continue
		}
		condition := map[string]any{}
		for _, field := range []string{"type", "status", "reason", "message"} {
			if v, ok := c[field].(string); ok {
				condition[field] = cut(v, maxRunMessage)
			}
		}
		kept = append(kept, condition)
	}
	if len(kept) > 0 {
		trimmed.Object["status"] = map[string]any{"conditions": kept}
	}
	return trimmed, nil
}

// jobOfWorkload indexes Workloads by the UID of the Job that controls them
// (byJob).
func jobOfWorkload(obj any) ([]string, error) {
	w, ok := obj.(metav1.Object)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOf(w); ref != nil && ref.Kind == "Job" && ref.UID != "" {
		return []string{string(ref.UID)}, nil
	}
	return nil, nil
}

// handleWorkload maps a Workload event to the FittingJob of the Job that
// controls it.
func (c *Controller) handleWorkload(obj any) {
	w, ok := withoutTombstone(obj).(metav1.Object)
	if !ok {
		utilruntime.HandleError(fmt.Errorf("unexpected object in Workload event handler: %T", obj))
		return
	}
	ref := metav1.GetControllerOf(w)
	if ref == nil || ref.Kind != "Job" {
		return
	}
	job, err := c.jobs.Jobs(w.GetNamespace()).Get(ref.Name)
	if err != nil || job.UID != ref.UID {
		return // not one of the runs the controller caches
	}
	c.handleJob(job)
}

// waitsForKueue reports whether job, not finished, waits for Kueue to
// admit it (generator.WaitsForKueue).
func waitsForKueue(job *batchv1.Job) bool {
	return generator.WaitsForKueue(job) && jobCondition(job, batchv1.JobComplete) == nil && jobCondition(job, batchv1.JobFailed) == nil
}

// queueWait is why a run waits for Kueue: a LastRun reason and message;
// or, admitted, that it waits no more: Kueue admitted its Workload and is
// about to unsuspend the Job.
type queueWait struct {
	reason, message string
	admitted        bool
}

// queueWaitOf says why job, which waits for Kueue, waits: from its
// Workload's conditions, or because Kueue has made no Workload of it yet,
// or because the controller reads no Workloads (unwatched says why; empty
// when it does).
func queueWaitOf(job *batchv1.Job, workload *unstructured.Unstructured, unwatched string) *queueWait {
	queue := job.Labels[ihpav1beta2.KueueQueueLabel]
	switch {
	case unwatched != "":
		return &queueWait{reason: ihpav1beta2.RunReasonKueueNotWatched, message: cut(fmt.Sprintf(
			"Job %s waits for Kueue to admit it from LocalQueue %s, but the controller does not watch Kueue's Workloads: %s",
			job.Name, queue, unwatched), maxRunMessage)}
	case workload == nil:
		return &queueWait{reason: ihpav1beta2.RunReasonNoWorkload, message: fmt.Sprintf(
			"Job %s waits for Kueue to admit it from LocalQueue %s; Kueue has not made a Workload of it yet", job.Name, queue)}
	}
	reason, message, admitted := workloadWait(workload)
	if admitted {
		return &queueWait{admitted: true}
	}
	wait := fmt.Sprintf("Job %s waits for Kueue to admit it from LocalQueue %s (Workload %s)", job.Name, queue, workload.GetName())
	if message != "" {
		wait += ": " + message
	}
	return &queueWait{reason: reason, message: cut(wait, maxRunMessage)}
}

// workloadWait is the reason and message of the first of a Workload's
// QuotaReserved and Admitted conditions that is not True: Kueue's own
// words for why it has not admitted the Workload (Pending with "couldn't
// assign flavors…: insufficient unused quota", Inadmissible with
// "LocalQueue … doesn't exist"…). Kueue sets neither at first: Pending.
// With both True, the Workload is admitted: Kueue is about to start the
// Job.
func workloadWait(workload *unstructured.Unstructured) (reason, message string, admitted bool) {
	conditions, _, _ := unstructured.NestedSlice(workload.Object, "status", "conditions")
	byType := map[string]map[string]any{}
	for _, c := range conditions {
		if c, ok := c.(map[string]any); ok {
			if t, ok := c["type"].(string); ok {
				byType[t] = c
			}
		}
	}
	for _, t := range []string{"QuotaReserved", "Admitted"} {
		c, ok := byType[t]
		if !ok {
			return "Pending", "Kueue has not considered it yet", false
		}
		if c["status"] != string(metav1.ConditionTrue) {
			reason, _ = c["reason"].(string)
			message, _ = c["message"].(string)
			if reason == "" {
				reason = "Pending"
			}
			return reason, message, false
		}
	}
	return "", "", true
}

// workloadOf is the cached Workload that job controls, nil without one.
func (c *Controller) workloadOf(job *batchv1.Job) (*unstructured.Unstructured, error) {
	objs, err := c.workloadIndex.ByIndex(byJob, string(job.UID))
	if err != nil {
		return nil, err
	}
	for _, obj := range objs {
		if w, ok := obj.(*unstructured.Unstructured); ok {
			return w, nil
		}
	}
	return nil, nil
}
