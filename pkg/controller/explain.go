package controller

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// stuckWaitingReasons are the waiting reasons of a container that will not
// start without someone changing something (the image, a Secret, the
// command): a run whose Pod shows one is stuck.
var stuckWaitingReasons = map[string]bool{
	"ErrImagePull":               true,
	"ImagePullBackOff":           true,
	"ErrImageNeverPull":          true,
	"InvalidImageName":           true,
	"CreateContainerConfigError": true,
	"CreateContainerError":       true,
	"RunContainerError":          true,
	"CrashLoopBackOff":           true,
}

// jobCondition returns job's condition of type t when it is True.
func jobCondition(job *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range job.Status.Conditions {
		if c := &job.Status.Conditions[i]; c.Type == t && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}

// stuckPod explains why pod does not progress, in the words of the
// scheduler or the kubelet: unschedulable, or a container waiting for a
// reason that will not go away by itself. ok is false for a Pod that is
// merely on its way.
func stuckPod(pod *corev1.Pod) (reason, message string, ok bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return c.Reason, fmt.Sprintf("Pod %s cannot be scheduled: %s", pod.Name, c.Message), true
		}
	}
	for _, s := range containerStatuses(pod) {
		if w := s.State.Waiting; w != nil && stuckWaitingReasons[w.Reason] {
			message := fmt.Sprintf("Pod %s: container %s is waiting: %s", pod.Name, s.Name, w.Reason)
			if w.Message != "" {
				message += ": " + w.Message
			}
			if t := s.LastTerminationState.Terminated; t != nil {
				message += "; it last " + describeTermination(t)
			}
			return w.Reason, message, true
		}
	}
	return "", "", false
}

// failedPod explains how a Pod of a failed run ended: the first container
// that terminated with an error, now or before its last restart (an OOM
// kill included). ok is false when no container says.
func failedPod(pod *corev1.Pod) (string, bool) {
	for _, s := range containerStatuses(pod) {
		for _, t := range []*corev1.ContainerStateTerminated{s.State.Terminated, s.LastTerminationState.Terminated} {
			if t != nil && (t.ExitCode != 0 || t.Reason == "OOMKilled") {
				return fmt.Sprintf("Pod %s: container %s %s", pod.Name, s.Name, describeTermination(t)), true
			}
		}
	}
	if pod.Status.Phase == corev1.PodFailed && pod.Status.Reason != "" {
		// Evicted, DeadlineExceeded…: the kubelet's word for the whole Pod.
		return fmt.Sprintf("Pod %s failed: %s: %s", pod.Name, pod.Status.Reason, pod.Status.Message), true
	}
	return "", false
}

func describeTermination(t *corev1.ContainerStateTerminated) string {
	d := fmt.Sprintf("terminated: %s, exit code %d", t.Reason, t.ExitCode)
	if m := strings.TrimSpace(t.Message); m != "" {
		d += ": " + m
	}
	return d
}

func containerStatuses(pod *corev1.Pod) []corev1.ContainerStatus {
	return append(append([]corev1.ContainerStatus(nil), pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
}
