package controller

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// failedCreate is the Job controller's event when the API server refuses
// job's Pod.
func failedCreate(job *batchv1.Job, at time.Time, message string) *corev1.Event {
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: job.Namespace, Name: job.Name + ".fc", CreationTimestamp: metav1.NewTime(at)},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Job", Namespace: job.Namespace, Name: job.Name, UID: job.UID, APIVersion: "batch/v1",
		},
		Reason: "FailedCreate", Type: corev1.EventTypeWarning, Message: message,
		FirstTimestamp: metav1.NewTime(at), LastTimestamp: metav1.NewTime(at), Count: 1,
	}
}

// A run whose Pod the API server refuses has no Pod: the Job controller's
// FailedCreate event names why, and the status says the run cannot start,
// with one Warning, and writes nothing more while it stays so.
func TestARunThatCannotCreateItsPodIsReported(t *testing.T) {
	fj := synced(newFittingJob("web"))
	job := runJob(fj, "web-1", runStart)
	refused := `pods "web-1-" is forbidden: error looking up service account default/ihpa-web: serviceaccount "ihpa-web" not found`
	state := runState{now: at(20 * time.Second), jobs: []*batchv1.Job{job},
		failedCreates: []*corev1.Event{failedCreate(job, at(time.Second), "Error creating: "+refused)}}

	recorded, writes, events := syncAt(t, fj, state)
	run := recorded.Status.LastRun
	if writes != 1 || run == nil || run.Outcome != ihpav1beta2.RunRunning || run.Reason != ihpav1beta2.RunReasonFailedCreate ||
		!strings.Contains(run.Message, refused) {
		t.Fatalf("%d writes, lastRun %+v; want one write, Running FailedCreate quoting the refusal", writes, run)
	}
	if c := freshCondition(t, recorded); c.Status != metav1.ConditionFalse || c.Reason != ihpav1beta2.ReasonFitCannotStart || !strings.Contains(c.Message, refused) {
		t.Errorf("ForecastFresh = %s %s %q, want False FitCannotStart quoting the refusal", c.Status, c.Reason, c.Message)
	}
	if len(events) != 1 || !strings.HasPrefix(events[0], "Warning FitCannotStart ") {
		t.Errorf("events = %q, want one Warning FitCannotStart", events)
	}

	// The Job controller retries and repeats the event: nothing new.
	state.now = at(time.Minute)
	state.failedCreates[0].Count, state.failedCreates[0].LastTimestamp = 5, metav1.NewTime(at(50*time.Second))
	if _, writes, events := syncAt(t, recorded, state); writes != 0 || len(events) != 0 {
		t.Errorf("a repeated refusal: %d writes, events %q; want none", writes, events)
	}
}

func TestASuspendedRunIsNamed(t *testing.T) {
	fj := synced(newFittingJob("web"))
	job := runJob(fj, "web-1", runStart, func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) })
	recorded, _, _ := syncAt(t, fj, runState{now: at(time.Minute), jobs: []*batchv1.Job{job}})
	if run := recorded.Status.LastRun; run == nil || run.Reason != ihpav1beta2.RunReasonSuspended {
		t.Errorf("lastRun = %+v, want reason Suspended", run)
	}
}

// A run whose Job disappears before it finishes (a stuck run the user
// deleted) is closed with its own reason instead of staying current, and
// freshness goes back to the age of the last success.
func TestARunWhoseJobDisappearedIsClosed(t *testing.T) {
	fj := synced(newFittingJob("web"))
	job := runJob(fj, "web-1", runStart)
	stuck := runPod(job, "web-1-a", waiting("ImagePullBackOff", "Back-off pulling image"))
	recorded, _, _ := syncAt(t, fj, runState{now: at(time.Minute), jobs: []*batchv1.Job{job}, pods: []*corev1.Pod{stuck}})
	if c := freshCondition(t, recorded); c.Reason != ihpav1beta2.ReasonFitStuck {
		t.Fatalf("before the deletion: ForecastFresh %s, want FitStuck", c.Reason)
	}

	recorded, writes, events := syncAt(t, recorded, runState{now: at(2 * time.Minute)})
	run := recorded.Status.LastRun
	if writes != 1 || run == nil || run.JobName != "web-1" || run.Outcome != ihpav1beta2.RunUnknown ||
		run.Reason != ihpav1beta2.RunReasonJobGone || !strings.Contains(run.Message, "ImagePullBackOff") {
		t.Fatalf("%d writes, lastRun %+v; want one write, web-1 Unknown JobGone saying what it was", writes, run)
	}
	if c := freshCondition(t, recorded); c.Reason != ihpav1beta2.ReasonAwaitingFirstFit {
		t.Errorf("ForecastFresh %s %q, want AwaitingFirstFit (no success yet, the first run's grace not over): no longer stuck", c.Reason, c.Message)
	}
	if len(events) != 1 || !strings.HasPrefix(events[0], "Warning FitLost ") {
		t.Errorf("events = %q, want one Warning FitLost", events)
	}
	if _, writes, events := syncAt(t, recorded, runState{now: at(3 * time.Minute)}); writes != 0 || len(events) != 0 {
		t.Errorf("the next sync: %d writes, events %q; want none", writes, events)
	}
}

// The Job controller's FailedCreate event on one of a FittingJob's runs
// queues that FittingJob; one on anyone else's Job queues nothing.
func TestFailedCreateEventsMapToTheFittingJob(t *testing.T) {
	fj := newFittingJob("web")
	job := runJob(fj, "web-1", runStart)
	f := newFixture(t)
	f.fittingJobs = append(f.fittingJobs, fj)
	f.jobs = []*batchv1.Job{job}
	c := f.newController(t.Context())

	other := job.DeepCopy()
	other.Name, other.UID = "someone-elses", "other-uid"
	c.handleFailedCreate(failedCreate(other, runStart.Time, "x"))
	if got := queued(c); len(got) != 0 {
		t.Fatalf("an event on another Job queued %v", got)
	}
	c.handleFailedCreate(failedCreate(job, runStart.Time, "x"))
	if got := queued(c); len(got) != 1 || got[0] != (cache.ObjectName{Namespace: fj.Namespace, Name: fj.Name}) {
		t.Errorf("queued %v, want %s", got, keyOf(fj))
	}
}
