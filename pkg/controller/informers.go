package controller

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// ManagedBySelector restricts a ConfigMap, CronJob, Job or Pod informer to
// the controller's own objects (informers.WithTweakListOptions).
func ManagedBySelector(options *metav1.ListOptions) {
	options.LabelSelector = labels.Set{ihpav1beta2.ManagedByLabel: ihpav1beta2.ManagedByValue}.String()
}

// FailedCreateSelector restricts an Event informer to the Job controller's
// FailedCreate events on Jobs (informers.WithTweakListOptions): a run
// whose Pod the API server refuses has no Pod to explain it, and the Job
// controller reports the refusal only as such an event on the Job.
func FailedCreateSelector(options *metav1.ListOptions) {
	options.FieldSelector = fields.Set{"involvedObject.kind": "Job", "reason": "FailedCreate"}.String()
}

// The informers' transforms keep of each object only what the controller
// reads. Anyone who can create a ConfigMap, a Job or a Pod can put the
// managed-by label on it; the cache must not grow with what they put in
// it (a ConfigMap holds up to 1 MiB, a Pod's spec tens of KiB), and the
// controller's memory should follow the number of FittingJobs, not the
// size of what their authors write.

// TrimForCache is the transform of the ConfigMap, CronJob, Job and Pod
// informers (informers.WithTransform):
//   - ConfigMaps and CronJobs that are not a FittingJob's child (by its
//     name: the one its controller reference names, or the one their own
//     name belongs to) lose their content: the controller only reads a
//     child by its name, to know that it is there and whose it is, and
//     never writes them. Children are kept whole: an update starts from
//     the cached copy.
//   - Jobs keep their metadata (of the annotations, only the scheduled
//     time), activeDeadlineSeconds, suspend and status; Pods their metadata (no
//     annotations) and the status fields that explain a run. Neither is
//     ever written.
//
// managedFields go from all of them.
func TrimForCache(obj any) (any, error) {
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		if !isChild(o, generator.ConfigMapNameOf) {
			o.Data, o.BinaryData, o.Annotations = nil, nil, nil
		}
	case *batchv1.CronJob:
		if !isChild(o, generator.CronJobNameOf) {
			o.Spec, o.Status, o.Annotations = batchv1.CronJobSpec{}, batchv1.CronJobStatus{}, nil
		}
	case *batchv1.Job:
		trimJob(o)
	case *corev1.Pod:
		trimPod(o)
	case *corev1.Event:
		trimEvent(o)
	}
	return DropManagedFields(obj)
}

// isChild reports whether obj, a ConfigMap or CronJob, has the name that
// childName gives a child of the FittingJob it belongs to
// (generator.OwnerOf).
func isChild(obj metav1.Object, childName func(fittingJob string) string) bool {
	owner, ok := generator.OwnerOf(obj)
	return ok && obj.GetName() == childName(owner)
}

func trimJob(job *batchv1.Job) {
	var kept map[string]string
	if t, ok := job.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; ok {
		kept = map[string]string{batchv1.CronJobScheduledTimestampAnnotation: t}
	}
	job.Annotations = kept
	job.Spec = batchv1.JobSpec{ActiveDeadlineSeconds: job.Spec.ActiveDeadlineSeconds, Suspend: job.Spec.Suspend}
	job.Status.UncountedTerminatedPods = nil
}

func trimPod(pod *corev1.Pod) {
	pod.Annotations = nil
	pod.Spec = corev1.PodSpec{}
	pod.Status = corev1.PodStatus{
		Phase:                 pod.Status.Phase,
		Reason:                pod.Status.Reason,
		Message:               pod.Status.Message,
		Conditions:            pod.Status.Conditions,
		InitContainerStatuses: trimContainerStatuses(pod.Status.InitContainerStatuses),
		ContainerStatuses:     trimContainerStatuses(pod.Status.ContainerStatuses),
	}
}

// trimEvent keeps what explains a run's refused Pod: which Job, when, and
// the API server's words, cut to an event's length.
func trimEvent(event *corev1.Event) {
	*event = corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: event.Namespace, Name: event.Name, UID: event.UID, ResourceVersion: event.ResourceVersion,
			CreationTimestamp: event.CreationTimestamp,
		},
		InvolvedObject: corev1.ObjectReference{
			Kind: event.InvolvedObject.Kind, Namespace: event.InvolvedObject.Namespace,
			Name: event.InvolvedObject.Name, UID: event.InvolvedObject.UID,
		},
		Reason:         event.Reason,
		Message:        cut(event.Message, maxEventMessage),
		Type:           event.Type,
		Count:          event.Count,
		FirstTimestamp: event.FirstTimestamp,
		LastTimestamp:  event.LastTimestamp,
		EventTime:      event.EventTime,
	}
}

// trimContainerStatuses keeps what explains how a container ends or why
// it waits: its name and states.
func trimContainerStatuses(statuses []corev1.ContainerStatus) []corev1.ContainerStatus {
	if statuses == nil {
		return nil
	}
	trimmed := make([]corev1.ContainerStatus, len(statuses))
	for i, s := range statuses {
		trimmed[i] = corev1.ContainerStatus{
			Name:                 s.Name,
			State:                s.State,
			LastTerminationState: s.LastTerminationState,
			RestartCount:         s.RestartCount,
		}
	}
	return trimmed
}

// DropManagedFields drops metadata.managedFields from objects before they
// are cached: the controller never reads them, and they are often the
// largest part of an object.
func DropManagedFields(obj any) (any, error) {
	if accessor, ok := obj.(metav1.ObjectMetaAccessor); ok {
		accessor.GetObjectMeta().SetManagedFields(nil)
	}
	return obj, nil
}

// DropFittingJobFields is DropManagedFields for FittingJobs, which also
// drops the copy of the whole object that kubectl apply keeps in an
// annotation: the controller never reads either, and status writes keep
// the stored metadata whatever the object sent carries. (Children keep the
// annotation in the cache: their updates start from the cached copy.)
func DropFittingJobFields(obj any) (any, error) {
	if accessor, ok := obj.(metav1.ObjectMetaAccessor); ok {
		delete(accessor.GetObjectMeta().GetAnnotations(), corev1.LastAppliedConfigAnnotation)
	}
	return DropManagedFields(obj)
}
