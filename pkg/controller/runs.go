package controller

import (
	"fmt"
	"math"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// newestJob is the run started last: by creation time, then by name.
func newestJob(jobs []*batchv1.Job) *batchv1.Job {
	var newest *batchv1.Job
	for _, job := range jobs {
		if newest == nil || runBefore(newest.CreationTimestamp.Time, newest.Name, job.CreationTimestamp.Time, job.Name) {
			newest = job
		}
	}
	return newest
}

func runBefore(t1 time.Time, name1 string, t2 time.Time, name2 string) bool {
	return t1.Before(t2) || (t1.Equal(t2) && name1 < name2)
}

// observeRun describes job as a LastRun. A Job's own failure condition
// comes first; its Pods explain, where the Job is silent, why a run does
// not progress, and add to a failure how the fit ended. limit is how long
// a run may go before it is stuck (zero: no limit known).
//
// A run that waits for Kueue (queued, nil otherwise) is Queued, with
// Kueue's reason, until Kueue admits it: then it runs, even while the Job
// is still suspended for a moment. A run with no Pod at all is explained by the Job itself:
// suspended, or,
// when the API server refuses its Pod, by the Job controller's
// FailedCreate event (failedCreate, nil without one), which is then its
// only trace.
func observeRun(job *batchv1.Job, pods []*corev1.Pod, failedCreate *corev1.Event, queued *queueWait, now time.Time, limit time.Duration) *ihpav1beta2.LastRun {
	run := &ihpav1beta2.LastRun{
		JobName:   job.Name,
		StartTime: job.CreationTimestamp.DeepCopy(),
		Outcome:   ihpav1beta2.RunRunning,
	}
	if jobCondition(job, batchv1.JobComplete) != nil {
		run.Outcome = ihpav1beta2.RunSucceeded
		run.CompletionTime = completionTime(job, batchv1.JobComplete, now)
		return run
	}
	if failed := jobCondition(job, batchv1.JobFailed); failed != nil {
		run.Outcome = ihpav1beta2.RunFailed
		run.CompletionTime = completionTime(job, batchv1.JobFailed, now)
		run.Reason, run.Message = failed.Reason, failed.Message
		if run.Reason == "" {
			run.Reason = ihpav1beta2.RunReasonFailed
		}
		var details []string
		if run.Message != "" {
			details = append(details, run.Message)
		}
		for _, pod := range pods {
			if d, ok := failedPod(pod); ok {
				details = append(details, d)
				break
			}
		}
		run.Message = cut(strings.Join(details, "; "), maxRunMessage)
		return run
	}
	switch {
	case queued != nil && queued.admitted:
		// Kueue is unsuspending the Job: it runs.
		return run
	case queued != nil:
		run.Outcome = ihpav1beta2.RunQueued
		run.Reason, run.Message = queued.reason, queued.message
		return run
	}
	for _, pod := range pods {
		if reason, message, ok := stuckPod(pod); ok {
			run.Reason, run.Message = reason, cut(message, maxRunMessage)
			return run
		}
	}
	if len(pods) == 0 {
		switch {
		case job.Spec.Suspend != nil && *job.Spec.Suspend:
			run.Reason = ihpav1beta2.RunReasonSuspended
			run.Message = fmt.Sprintf("Job %s is suspended: it starts no Pod until it is resumed", job.Name)
			return run
		case failedCreate != nil:
			run.Reason = ihpav1beta2.RunReasonFailedCreate
			run.Message = cut(fmt.Sprintf("Job %s cannot create its Pod: %s", job.Name, failedCreate.Message), maxRunMessage)
			return run
		}
	}
	if limit > 0 && !now.Before(job.CreationTimestamp.Add(limit)) {
		run.Reason = ihpav1beta2.RunReasonRunningTooLong
		run.Message = fmt.Sprintf("Job %s has been running since %s, longer than %s", job.Name, job.CreationTimestamp.UTC().Format(time.RFC3339), limit)
	}
	return run
}

// runLimit is how long a run of job may go before it counts as stuck: its
// activeDeadlineSeconds when set (the Job controller ends it then), else
// one period of the schedule. A deadline too long for a time.Duration
// (about 292 years) is no limit at all.
func runLimit(job *batchv1.Job, period time.Duration) time.Duration {
	if d := job.Spec.ActiveDeadlineSeconds; d != nil {
		if *d > int64(math.MaxInt64/time.Second) {
			return 0
		}
		return time.Duration(*d) * time.Second
	}
	return period
}

// completionTime is when job finished: the Job's completionTime, set on
// success, else when the final condition appeared. A time from the future
// is not believed (see maxClockSkew): the Job's creation, the earliest it
// can have finished, stands in for it.
func completionTime(job *batchv1.Job, t batchv1.JobConditionType, now time.Time) *metav1.Time {
	var finished *metav1.Time
	if t == batchv1.JobComplete && job.Status.CompletionTime != nil {
		finished = job.Status.CompletionTime
	} else if c := jobCondition(job, t); c != nil && !c.LastTransitionTime.IsZero() {
		finished = &c.LastTransitionTime
	}
	if finished != nil && notFuture(finished, now) == nil {
		finished = notFuture(&job.CreationTimestamp, now)
	}
	return finished.DeepCopy()
}

// maxClockSkew is how far past the controller's clock a time read from
// the API may be and still be taken as it is: clocks of a cluster's
// machines drift apart by seconds. Anything further ahead comes from a
// hand-edited object or a broken clock; lastSuccessfulTime and
// lastScheduleTime never go backwards, so such a time would stick in the
// status (and a forecast would stay fresh) until that future came.
const maxClockSkew = time.Minute

// notFuture is t, or nil when t is more than maxClockSkew after now.
func notFuture(t *metav1.Time, now time.Time) *metav1.Time {
	if t == nil || t.After(now.Add(maxClockSkew)) {
		return nil
	}
	return t
}

// nextLastRun is the LastRun to record, given the one recorded and the one
// observed now. It keeps a run's record from costing more than three
// status writes (started, stuck, finished) and from going backwards:
//   - a finished run is never rewritten (its Pods may go, its message stays);
//   - a run once stuck stays so until it finishes: a crash-looping or
//     image-pulling Pod alternates reasons and would write at every turn;
//   - a run queued for one reason stays so while Kueue keeps it waiting
//     for that reason: Kueue's message counts what is missing, which
//     changes with every admission in the queue;
//   - an older Job than the recorded one (the newest was deleted) does not
//     replace it, nor does the absence of any Job.
func nextLastRun(recorded, observed *ihpav1beta2.LastRun) *ihpav1beta2.LastRun {
	if observed == nil {
		return recorded
	}
	if recorded != nil {
		if recorded.JobName == observed.JobName {
			if finished(recorded.Outcome) ||
				(observed.Outcome == ihpav1beta2.RunRunning && recorded.Outcome == ihpav1beta2.RunRunning && recorded.Reason != "") ||
				(observed.Outcome == ihpav1beta2.RunQueued && recorded.Outcome == ihpav1beta2.RunQueued && recorded.Reason == observed.Reason) {
				return recorded
			}
		} else if recorded.StartTime != nil && observed.StartTime != nil &&
			runBefore(observed.StartTime.Time, observed.JobName, recorded.StartTime.Time, recorded.JobName) {
			return recorded
		}
	}
	return observed
}

// lastSuccess is the later of the recorded time, the CronJob's and the
// newest completion of a succeeded Job: manual runs count, and the time
// never goes backwards when Jobs are cleaned up. No time from the future
// counts (notFuture).
func lastSuccess(recorded *metav1.Time, cronJob *batchv1.CronJob, jobs []*batchv1.Job, now time.Time) *metav1.Time {
	latest := notFuture(recorded, now)
	if cronJob != nil {
		latest = later(latest, notFuture(cronJob.Status.LastSuccessfulTime, now))
	}
	for _, job := range jobs {
		if jobCondition(job, batchv1.JobComplete) != nil {
			latest = later(latest, completionTime(job, batchv1.JobComplete, now))
		}
	}
	return latest.DeepCopy()
}

// lastSchedule is the latest of the recorded time, the CronJob's
// lastScheduleTime and the scheduled time of the Jobs it created: the Job
// is usually seen before the CronJob's status update, and taking both at
// once saves a status write per run. Like lastSuccess, it never goes
// backwards when Jobs are cleaned up. No time from the future counts
// (notFuture).
func lastSchedule(recorded *metav1.Time, cronJob *batchv1.CronJob, jobs []*batchv1.Job, now time.Time) *metav1.Time {
	latest := notFuture(recorded, now)
	if cronJob != nil {
		latest = later(latest, notFuture(cronJob.Status.LastScheduleTime, now))
	}
	for _, job := range jobs {
		if s, ok := job.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; ok {
			if t, err := guard("scheduled time", func() (time.Time, error) { return time.Parse(time.RFC3339, s) }); err == nil {
				latest = later(latest, notFuture(&metav1.Time{Time: t}, now))
			}
		}
	}
	return latest.DeepCopy()
}

func later(a, b *metav1.Time) *metav1.Time {
	switch {
	case a == nil:
		return b
	case b == nil || !b.After(a.Time):
		return a
	default:
		return b
	}
}

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

// finished reports whether outcome is a run's last.
func finished(outcome ihpav1beta2.RunOutcome) bool {
	return outcome != ihpav1beta2.RunRunning && outcome != ihpav1beta2.RunQueued
}

// goneRun closes recorded, a run recorded as queued or running, whose Job is not
// among jobs any more: deleted, or removed by its TTL before it was seen
// to finish. Such a run never finishes; left as it was, it would stay the
// current run, stuck or running, until another run finished. ok is false
// when recorded is not such a run.
func goneRun(recorded *ihpav1beta2.LastRun, jobs []*batchv1.Job, now time.Time) (*ihpav1beta2.LastRun, bool) {
	if recorded == nil || finished(recorded.Outcome) {
		return nil, false
	}
	for _, job := range jobs {
		if job.Name == recorded.JobName {
			return nil, false
		}
	}
	gone := recorded.DeepCopy()
	gone.Outcome, gone.Reason = ihpav1beta2.RunUnknown, ihpav1beta2.RunReasonJobGone
	gone.CompletionTime = &metav1.Time{Time: now}
	gone.Message = fmt.Sprintf("Job %s disappeared before it was seen to finish (deleted, or removed by its TTL)", recorded.JobName)
	if recorded.Reason != "" {
		gone.Message = cut(fmt.Sprintf("%s; it was %s: %s", gone.Message, recorded.Reason, recorded.Message), maxRunMessage)
	}
	return gone, true
}
