package controller

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// runState is what the caches hold at one moment of a run.
type runState struct {
	now           time.Time
	jobs          []*batchv1.Job
	pods          []*corev1.Pod
	failedCreates []*corev1.Event
	// kueue serves Kueue's API, with these Workloads.
	kueue     bool
	workloads []*unstructured.Unstructured
}

// syncAt syncs fj (as recorded) against state and returns the FittingJob
// as it is recorded afterwards, the number of status writes, and the
// events.
func syncAt(t *testing.T, fj *ihpav1beta2.FittingJob, state runState) (*ihpav1beta2.FittingJob, int, []string) {
	t.Helper()
	f := newFixture(t)
	f.now = state.now
	f.withChildren(fj)
	f.jobs, f.pods, f.failedCreates = state.jobs, state.pods, state.failedCreates
	f.kueue, f.workloads = state.kueue, state.workloads
	actions, err := f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	written := writtenStatus(actions)
	if len(written) != len(actions) {
		t.Errorf("a sync with children in sync sent more than status writes: %v", actions)
	}
	if len(written) == 0 {
		return fj, 0, f.events()
	}
	recorded := written[len(written)-1].DeepCopy()
	return recorded, len(written), f.events()
}

func freshCondition(t *testing.T, fj *ihpav1beta2.FittingJob) metav1.Condition {
	t.Helper()
	c := meta.FindStatusCondition(fj.Status.Conditions, ihpav1beta2.ConditionForecastFresh)
	if c == nil {
		t.Fatal("no ForecastFresh condition")
	}
	return *c
}

func at(d time.Duration) time.Time { return runStart.Add(d) }

func TestARunIsReported(t *testing.T) {
	fj := newFittingJob("web")
	start := runStart
	done := metav1.NewTime(at(2 * time.Minute))
	running := runJob(fj, "web-29000000", start)

	tests := map[string]runCase{
		"running, Pod on its way": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{running},
				pods: []*corev1.Pod{runPod(running, "web-29000000-a", waiting("ContainerCreating", ""))}},
			wantRun:    ihpav1beta2.LastRun{JobName: running.Name, StartTime: &start, Outcome: ihpav1beta2.RunRunning},
			wantFresh:  metav1.ConditionUnknown,
			wantReason: ihpav1beta2.ReasonAwaitingFirstFit,
		},
		"succeeded": {
			state:      runState{now: at(3 * time.Minute), jobs: []*batchv1.Job{runJob(fj, running.Name, start, completed(done))}},
			wantRun:    ihpav1beta2.LastRun{JobName: running.Name, StartTime: &start, CompletionTime: &done, Outcome: ihpav1beta2.RunSucceeded},
			wantFresh:  metav1.ConditionTrue,
			wantReason: ihpav1beta2.ReasonFitSucceeded,
		},
		"failed: the Job's reason, the Pod's termination": {
			state: runState{now: at(3 * time.Minute), jobs: []*batchv1.Job{runJob(fj, running.Name, start, failed(done))},
				pods: []*corev1.Pod{runPod(running, "web-29000000-a", terminated("Error", 1, "fit failed\n"))}},
			wantRun: ihpav1beta2.LastRun{JobName: running.Name, StartTime: &start, CompletionTime: &done, Outcome: ihpav1beta2.RunFailed,
				Reason:  batchv1.JobReasonBackoffLimitExceeded,
				Message: "Job has reached the specified backoff limit; Pod web-29000000-a: container fittingjob terminated: Error, exit code 1: fit failed"},
			wantFresh:  metav1.ConditionFalse,
			wantReason: ihpav1beta2.ReasonFitFailed,
			wantEvents: []string{"Warning FitFailed Job web-29000000 failed: BackoffLimitExceeded: Job has reached the specified backoff limit; " +
				"Pod web-29000000-a: container fittingjob terminated: Error, exit code 1: fit failed"},
		},
		"failed: OOM kill before the last restart": {
			state: runState{now: at(3 * time.Minute), jobs: []*batchv1.Job{runJob(fj, running.Name, start, failed(done))},
				pods: []*corev1.Pod{runPod(running, "web-29000000-a", corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{
					Name: "fittingjob", LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}},
				}}})}},
			wantRun: ihpav1beta2.LastRun{JobName: running.Name, StartTime: &start, CompletionTime: &done, Outcome: ihpav1beta2.RunFailed,
				Reason:  batchv1.JobReasonBackoffLimitExceeded,
				Message: "Job has reached the specified backoff limit; Pod web-29000000-a: container fittingjob terminated: OOMKilled, exit code 137"},
			wantFresh:  metav1.ConditionFalse,
			wantReason: ihpav1beta2.ReasonFitFailed,
			wantEvents: []string{"Warning FitFailed Job web-29000000 failed: BackoffLimitExceeded: Job has reached the specified backoff limit; " +
				"Pod web-29000000-a: container fittingjob terminated: OOMKilled, exit code 137"},
		},
		"stuck: unschedulable": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{running},
				pods: []*corev1.Pod{runPod(running, "web-29000000-a", unschedulable())}},
			wantRun: ihpav1beta2.LastRun{JobName: running.Name, StartTime: &start, Outcome: ihpav1beta2.RunRunning, Reason: "Unschedulable",
				Message: "Pod web-29000000-a cannot be scheduled: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."},
			wantFresh:  metav1.ConditionFalse,
			wantReason: ihpav1beta2.ReasonFitStuck,
		},
		"stuck: image not pulling": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{running},
				pods: []*corev1.Pod{runPod(running, "web-29000000-a", waiting("ImagePullBackOff", `Back-off pulling image "fit:nope"`))}},
			wantRun: ihpav1beta2.LastRun{JobName: running.Name, StartTime: &start, Outcome: ihpav1beta2.RunRunning, Reason: "ImagePullBackOff",
				Message: `Pod web-29000000-a: container fittingjob is waiting: ImagePullBackOff: Back-off pulling image "fit:nope"`},
			wantFresh:  metav1.ConditionFalse,
			wantReason: ihpav1beta2.ReasonFitStuck,
		},
		"stuck: crash loop, with the last termination": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{running},
				pods: []*corev1.Pod{runPod(running, "web-29000000-a", corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
					Name:                 "fittingjob",
					State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s"}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}},
				}}})}},
			wantRun: ihpav1beta2.LastRun{JobName: running.Name, StartTime: &start, Outcome: ihpav1beta2.RunRunning, Reason: "CrashLoopBackOff",
				Message: "Pod web-29000000-a: container fittingjob is waiting: CrashLoopBackOff: back-off 40s; it last terminated: OOMKilled, exit code 137"},
			wantFresh:  metav1.ConditionFalse,
			wantReason: ihpav1beta2.ReasonFitStuck,
		},
		"stuck: running longer than one period": {
			state: runState{now: at(24 * time.Hour), jobs: []*batchv1.Job{running}},
			wantRun: ihpav1beta2.LastRun{JobName: running.Name, StartTime: &start, Outcome: ihpav1beta2.RunRunning, Reason: ihpav1beta2.RunReasonRunningTooLong,
				Message: "Job web-29000000 has been running since 2026-11-01T04:03:00Z, longer than 24h0m0s"},
			wantFresh:  metav1.ConditionFalse,
			wantReason: ihpav1beta2.ReasonFitStuck,
		},
		"stuck: running longer than activeDeadlineSeconds": {
			state: runState{now: at(11 * time.Minute), jobs: []*batchv1.Job{runJob(fj, running.Name, start, func(j *batchv1.Job) {
				j.Spec.ActiveDeadlineSeconds = ptr.To[int64](600)
			})}},
			wantRun: ihpav1beta2.LastRun{JobName: running.Name, StartTime: &start, Outcome: ihpav1beta2.RunRunning, Reason: ihpav1beta2.RunReasonRunningTooLong,
				Message: "Job web-29000000 has been running since 2026-11-01T04:03:00Z, longer than 10m0s"},
			wantFresh:  metav1.ConditionFalse,
			wantReason: ihpav1beta2.ReasonFitStuck,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) { tc.check(t, fj) })
	}
}

// runCase is what one sync of a synced FittingJob should report of a run.
type runCase struct {
	state      runState
	wantRun    ihpav1beta2.LastRun
	wantFresh  metav1.ConditionStatus
	wantReason string
	wantEvents []string
}

// check syncs fj against the case's state: one status write, with the
// run, the ForecastFresh condition and the events wanted.
func (tc runCase) check(t *testing.T, fj *ihpav1beta2.FittingJob) {
	t.Helper()
	got, writes, events := syncAt(t, synced(fj), tc.state)
	if writes != 1 {
		t.Fatalf("status writes = %d, want 1", writes)
	}
	if diff := cmp.Diff(&tc.wantRun, got.Status.LastRun); diff != "" {
		t.Errorf("lastRun (-want +got):\n%s", diff)
	}
	if c := freshCondition(t, got); c.Status != tc.wantFresh || c.Reason != tc.wantReason {
		t.Errorf("ForecastFresh = %s %s (%s), want %s %s", c.Status, c.Reason, c.Message, tc.wantFresh, tc.wantReason)
	}
	checkEvents(t, tc.wantEvents, events)
}

// TestARunCostsBoundedStatusWrites walks runs through every state their Job
// and Pods pass, syncing (as every event and resync would) at each, from
// the status the previous sync recorded, and counts the status writes.
func TestARunCostsBoundedStatusWrites(t *testing.T) {
	fj := newFittingJob("web")
	name := "web-29000000"
	job := runJob(fj, name, runStart)
	pod := func(status corev1.PodStatus) []*corev1.Pod { return []*corev1.Pod{runPod(job, name+"-a", status)} }
	done := metav1.NewTime(at(5 * time.Minute))
	scheduled := func(j *batchv1.Job) { j.Status.StartTime, j.Status.Active = &runStart, 1 }

	tests := map[string]struct {
		states []runState
		want   int
	}{
		"succeeds: started, finished": {
			want: 2,
			states: []runState{
				{now: at(0), jobs: []*batchv1.Job{job}},
				{now: at(time.Second), jobs: []*batchv1.Job{runJob(fj, name, runStart, scheduled)}},
				{now: at(2 * time.Second), jobs: []*batchv1.Job{runJob(fj, name, runStart, scheduled)}, pods: pod(corev1.PodStatus{Phase: corev1.PodPending})},
				{now: at(3 * time.Second), jobs: []*batchv1.Job{runJob(fj, name, runStart, scheduled)}, pods: pod(waiting("ContainerCreating", ""))},
				{now: at(time.Minute), jobs: []*batchv1.Job{runJob(fj, name, runStart, scheduled)}, pods: pod(corev1.PodStatus{Phase: corev1.PodRunning})},
				{now: at(5 * time.Minute), jobs: []*batchv1.Job{runJob(fj, name, runStart, scheduled, completed(done))}, pods: pod(corev1.PodStatus{Phase: corev1.PodSucceeded})},
				{now: at(6 * time.Minute), jobs: []*batchv1.Job{runJob(fj, name, runStart, scheduled, completed(done))}},
				{now: at(7 * time.Minute)}, // the Job is cleaned up
			},
		},
		"stuck pulling, then fails: started, stuck, finished": {
			want: 3,
			states: []runState{
				{now: at(0), jobs: []*batchv1.Job{job}},
				{now: at(2 * time.Second), jobs: []*batchv1.Job{job}, pods: pod(waiting("ContainerCreating", ""))},
				{now: at(10 * time.Second), jobs: []*batchv1.Job{job}, pods: pod(waiting("ErrImagePull", "not found"))},
				{now: at(20 * time.Second), jobs: []*batchv1.Job{job}, pods: pod(waiting("ImagePullBackOff", "Back-off"))},
				{now: at(40 * time.Second), jobs: []*batchv1.Job{job}, pods: pod(waiting("ErrImagePull", "not found"))},
				{now: at(80 * time.Second), jobs: []*batchv1.Job{job}, pods: pod(waiting("ImagePullBackOff", "Back-off"))},
				{now: at(5 * time.Minute), jobs: []*batchv1.Job{runJob(fj, name, runStart, failed(done))}, pods: pod(waiting("ImagePullBackOff", "Back-off"))},
				{now: at(6 * time.Minute), jobs: []*batchv1.Job{runJob(fj, name, runStart, failed(done))}},
			},
		},
		"crash loop that ends in success: started, stuck, finished": {
			want: 3,
			states: []runState{
				{now: at(0), jobs: []*batchv1.Job{job}},
				{now: at(time.Minute), jobs: []*batchv1.Job{job}, pods: pod(corev1.PodStatus{Phase: corev1.PodRunning})},
				{now: at(2 * time.Minute), jobs: []*batchv1.Job{job}, pods: pod(waiting("CrashLoopBackOff", "back-off 10s"))},
				{now: at(3 * time.Minute), jobs: []*batchv1.Job{job}, pods: pod(corev1.PodStatus{Phase: corev1.PodRunning})},
				{now: at(4 * time.Minute), jobs: []*batchv1.Job{job}, pods: pod(waiting("CrashLoopBackOff", "back-off 20s"))},
				{now: at(5 * time.Minute), jobs: []*batchv1.Job{runJob(fj, name, runStart, completed(done))}, pods: pod(corev1.PodStatus{Phase: corev1.PodSucceeded})},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			recorded, total := synced(fj), 0
			var events []string
			for _, state := range tc.states {
				var writes int
				var e []string
				recorded, writes, e = syncAt(t, recorded, state)
				total += writes
				events = append(events, e...)
			}
			if total != tc.want {
				t.Errorf("status writes = %d, want %d", total, tc.want)
			}
			if n := len(events); n > 1 {
				t.Errorf("events = %q, want at most one", events)
			}
		})
	}
}

// TestResyncWithUnchangedRunsWritesNothing syncs each kind of run twice,
// the second time from the status the first recorded, as a resync or a
// restarted controller does: no API request, no event.
func TestResyncWithUnchangedRunsWritesNothing(t *testing.T) {
	fj := newFittingJob("web")
	running := runJob(fj, "web-1", runStart)
	done := metav1.NewTime(at(time.Minute))
	states := map[string]runState{
		"running": {now: at(30 * time.Second), jobs: []*batchv1.Job{running},
			pods: []*corev1.Pod{runPod(running, "web-1-a", corev1.PodStatus{Phase: corev1.PodRunning})}},
		"stuck": {now: at(30 * time.Second), jobs: []*batchv1.Job{running},
			pods: []*corev1.Pod{runPod(running, "web-1-a", waiting("ImagePullBackOff", "Back-off"))}},
		"succeeded": {now: at(2 * time.Minute), jobs: []*batchv1.Job{runJob(fj, "web-1", runStart, completed(done))}},
		"failed": {now: at(2 * time.Minute), jobs: []*batchv1.Job{runJob(fj, "web-1", runStart, failed(done))},
			pods: []*corev1.Pod{runPod(running, "web-1-a", terminated("Error", 1, ""))}},
	}
	for name, state := range states {
		t.Run(name, func(t *testing.T) {
			recorded, writes, _ := syncAt(t, synced(fj), state)
			if writes != 1 {
				t.Fatalf("first sync: %d status writes, want 1", writes)
			}
			state.now = state.now.Add(time.Second)
			if _, writes, events := syncAt(t, recorded, state); writes != 0 || len(events) != 0 {
				t.Errorf("resync: %d status writes and events %q, want none", writes, events)
			}
		})
	}
}

// TestOnlyItsOwnJobsAreRuns: the Jobs of another FittingJob in the same
// namespace, and those of a namesake in another namespace, are not
// runs of the FittingJob (the index is by namespace and name).
func TestOnlyItsOwnJobsAreRuns(t *testing.T) {
	fj := newFittingJob("web")
	other := newFittingJob("web-2")
	elsewhere := newFittingJob("web")
	elsewhere.Namespace = "team-b"
	done := metav1.NewTime(at(time.Minute))
	recorded, writes, _ := syncAt(t, synced(fj), runState{now: at(2 * time.Minute), jobs: []*batchv1.Job{
		runJob(other, "web-2-1", runStart, failed(done)),
		runJob(elsewhere, "web-1", runStart, failed(done)),
	}})
	if writes != 0 || recorded.Status.LastRun != nil {
		t.Errorf("the Jobs of other FittingJobs were taken as runs: %d writes, lastRun %+v", writes, recorded.Status.LastRun)
	}
}

// The CronJob's status may count a run's success before the Job cache
// shows the Job complete: the success waits for the Job's own event,
// which brings it with the run's end, so the run costs no extra write.
func TestASuccessTheCronJobSawFirstWaitsForTheJob(t *testing.T) {
	fj := synced(newFittingJob("web"))
	running := runJob(fj, "web-1", runStart)
	done := metav1.NewTime(at(time.Minute))
	withSuccess := func(f *fixture) {
		f.cronJobs[0].Status.LastSuccessfulTime = &done
	}
	sync := func(jobs ...*batchv1.Job) *ihpav1beta2.FittingJob {
		t.Helper()
		f := newFixture(t)
		f.now = at(2 * time.Minute)
		f.withChildren(fj)
		withSuccess(f)
		f.jobs = jobs
		actions, err := f.sync(fj)
		if err != nil {
			t.Fatal(err)
		}
		written := onlyStatusWrite(t, actions)
		return written
	}
	if got := sync(running).Status.LastSuccessfulTime; got != nil {
		t.Errorf("lastSuccessfulTime = %v while the Job is still running in the cache, want it to wait", got)
	}
	if got := sync(runJob(fj, "web-1", runStart, completed(done))).Status.LastSuccessfulTime; got == nil || !got.Equal(&done) {
		t.Errorf("lastSuccessfulTime = %v once the Job completed, want %v", got, done)
	}
	// The Job gone before it was seen to finish: the CronJob's word counts.
	if got := sync().Status.LastSuccessfulTime; got == nil || !got.Equal(&done) {
		t.Errorf("lastSuccessfulTime = %v with no Job in the cache, want the CronJob's %v", got, done)
	}
}
