package controller

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	core "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// runStart is when the fixture's runs start: 2026-11-01 04:03 UTC, the first
// activation of newFittingJob("web") (minute 3).
var runStart = metav1.Date(2026, 11, 1, 4, 3, 0, 0, time.UTC)

// runJob is a Job of fj's, as the CronJob controller creates it, with
// whatever status change gives it.
func runJob(fj *ihpav1beta2.FittingJob, name string, created metav1.Time, change ...func(*batchv1.Job)) *batchv1.Job {
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:         fj.Namespace,
			Name:              name,
			UID:               types.UID(name + "-uid"),
			ResourceVersion:   "1",
			CreationTimestamp: created,
			Labels:            generator.RunLabels(fj),
			Annotations:       map[string]string{batchv1.CronJobScheduledTimestampAnnotation: created.UTC().Format(time.RFC3339)},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: fj.Name,
				UID: types.UID(fj.Name + "-child-uid"), Controller: ptr.To(true)}},
		},
	}
	for _, c := range change {
		c(job)
	}
	return job
}

func completed(at metav1.Time) func(*batchv1.Job) {
	return func(job *batchv1.Job) {
		job.Status.CompletionTime = &at
		job.Status.Conditions = append(job.Status.Conditions,
			batchv1.JobCondition{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: at},
			batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: at})
	}
}

func failed(at metav1.Time) func(*batchv1.Job) {
	return func(job *batchv1.Job) {
		job.Status.Conditions = append(job.Status.Conditions,
			batchv1.JobCondition{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, LastTransitionTime: at,
				Reason: batchv1.JobReasonBackoffLimitExceeded, Message: "Job has reached the specified backoff limit"},
			batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, LastTransitionTime: at,
				Reason: batchv1.JobReasonBackoffLimitExceeded, Message: "Job has reached the specified backoff limit"})
	}
}

// runPod is a Pod of job with the given status.
func runPod(job *batchv1.Job, name string, status corev1.PodStatus) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:         job.Namespace,
			Name:              name,
			UID:               types.UID(name + "-uid"),
			ResourceVersion:   "1",
			CreationTimestamp: job.CreationTimestamp,
			Labels:            job.Labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job.Name,
				UID: job.UID, Controller: ptr.To(true)}},
		},
		Status: status,
	}
}

func unschedulable() corev1.PodStatus {
	return corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
		Message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
	}}}
}

func waiting(reason, message string) corev1.PodStatus {
	return corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
		Name: generator.ContainerName, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}},
	}}}
}

func terminated(reason string, exitCode int32, message string) corev1.PodStatus {
	return corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{
		Name: generator.ContainerName, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: exitCode, Message: message}},
	}}}
}

// withChildren seeds f with fj (its status as recorded) and both children
// in sync, as a real API server returns them.
func (f *fixture) withChildren(fj *ihpav1beta2.FittingJob) {
	f.fittingJobs = append(f.fittingJobs, fj)
	f.configMaps = append(f.configMaps, asStored(desiredConfigMap(f.t, fj)))
	f.cronJobs = append(f.cronJobs, asStored(desiredCronJob(f.t, fj)))
}

// writtenStatus returns the FittingJobs written by UpdateStatus actions.
// onlyStatusWrite is the FittingJob of the one status write among actions;
// the test fails unless there is exactly one.
func onlyStatusWrite(t testing.TB, actions []core.Action) *ihpav1beta2.FittingJob {
	t.Helper()
	written := writtenStatus(actions)
	if len(written) != 1 {
		t.Fatalf("status writes = %d, want 1", len(written))
	}
	return written[0]
}

func writtenStatus(actions []core.Action) []*ihpav1beta2.FittingJob {
	var written []*ihpav1beta2.FittingJob
	for _, a := range actions {
		if u, ok := a.(core.UpdateAction); ok && a.GetSubresource() == "status" {
			written = append(written, u.GetObject().(*ihpav1beta2.FittingJob))
		}
	}
	return written
}
