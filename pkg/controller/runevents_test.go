package controller

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// TestFailureAndRecoveryAreReportedOnce follows a failing fit, a restart
// of the controller, a new run and its success, and checks each event is
// recorded exactly once and that nothing repeats once recorded.
func TestFailureAndRecoveryAreReportedOnce(t *testing.T) {
	fj := newFittingJob("web")
	first := runJob(fj, "web-1", runStart, failed(metav1.NewTime(at(time.Minute))))
	firstPods := []*corev1.Pod{runPod(first, "web-1-a", terminated("Error", 1, "fit failed (kwok)"))}
	secondStart := metav1.NewTime(at(24 * time.Hour))
	second := runJob(fj, "web-2", secondStart)
	secondDone := runJob(fj, "web-2", secondStart, completed(metav1.NewTime(at(24*time.Hour+time.Minute))))

	steps := []struct {
		what       string
		state      runState
		wantWrites int
		wantEvents []string
		wantReason string
		// edit changes the FittingJob before the sync.
		edit func(*ihpav1beta2.FittingJob)
	}{
		{what: "the first run fails", state: runState{now: at(2 * time.Minute), jobs: []*batchv1.Job{first}, pods: firstPods},
			wantWrites: 1, wantReason: ihpav1beta2.ReasonFitFailed,
			wantEvents: []string{"Warning FitFailed Job web-1 failed: BackoffLimitExceeded: Job has reached the specified backoff limit; " +
				"Pod web-1-a: container fittingjob terminated: Error, exit code 1: fit failed (kwok)"}},
		{what: "a resync, or a restarted controller", state: runState{now: at(3 * time.Minute), jobs: []*batchv1.Job{first}, pods: firstPods},
			wantReason: ihpav1beta2.ReasonFitFailed},
		{what: "a spec change: a status write that must not repeat the event", state: runState{now: at(3 * time.Minute), jobs: []*batchv1.Job{first}, pods: firstPods},
			wantWrites: 1, wantReason: ihpav1beta2.ReasonFitFailed,
			edit: func(fj *ihpav1beta2.FittingJob) { fj.Generation++; fj.Spec.CustomConfig = "changed" }},
		{what: "its Pod is deleted", state: runState{now: at(4 * time.Minute), jobs: []*batchv1.Job{first}},
			wantReason: ihpav1beta2.ReasonFitFailed},
		{what: "the next run starts: still failing until it succeeds", state: runState{now: secondStart.Time, jobs: []*batchv1.Job{first, second}},
			wantWrites: 1, wantReason: ihpav1beta2.ReasonFitFailed},
		{what: "it succeeds", state: runState{now: at(24*time.Hour + 2*time.Minute), jobs: []*batchv1.Job{first, secondDone}},
			wantWrites: 1, wantReason: ihpav1beta2.ReasonFitSucceeded,
			wantEvents: []string{"Normal FitRecovered Job web-2 succeeded after failed or stuck runs"}},
		{what: "a restart after the recovery", state: runState{now: at(24*time.Hour + 3*time.Minute), jobs: []*batchv1.Job{first, secondDone}},
			wantReason: ihpav1beta2.ReasonFitSucceeded},
		{what: "both Jobs are cleaned up", state: runState{now: at(24*time.Hour + 4*time.Minute)},
			wantReason: ihpav1beta2.ReasonFitSucceeded},
	}
	recorded := synced(fj)
	for _, step := range steps {
		if step.edit != nil {
			step.edit(recorded)
		}
		var writes int
		var events []string
		recorded, writes, events = syncAt(t, recorded, step.state)
		if writes != step.wantWrites {
			t.Errorf("%s: status writes = %d, want %d", step.what, writes, step.wantWrites)
		}
		checkEvents(t, step.wantEvents, events)
		if c := freshCondition(t, recorded); c.Reason != step.wantReason {
			t.Errorf("%s: ForecastFresh reason = %s (%s), want %s", step.what, c.Reason, c.Message, step.wantReason)
		}
	}
	if recorded.Status.LastRun == nil || recorded.Status.LastRun.JobName != "web-2" || recorded.Status.LastRun.Outcome != ihpav1beta2.RunSucceeded {
		t.Errorf("lastRun = %+v, want web-2 Succeeded, kept after the Job is deleted", recorded.Status.LastRun)
	}
}

func TestManualRunsCountAsSuccesses(t *testing.T) {
	fj := newFittingJob("web")
	cronJobSuccess := metav1.NewTime(at(time.Minute))
	manualDone := metav1.NewTime(at(3 * time.Hour))
	manual := runJob(fj, "web-manual-x7k2p", metav1.NewTime(at(2*time.Hour)), completed(manualDone))
	delete(manual.Annotations, batchv1.CronJobScheduledTimestampAnnotation)

	f := newFixture(t)
	f.now = at(4 * time.Hour)
	f.withChildren(synced(fj))
	f.cronJobs[0].Status.LastSuccessfulTime = &cronJobSuccess
	f.jobs = []*batchv1.Job{manual}
	actions, err := f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	written := writtenStatus(actions)
	if len(written) != 1 {
		t.Fatalf("status writes: %v", actions)
	}
	if got := written[0].Status.LastSuccessfulTime; got == nil || !got.Equal(&manualDone) {
		t.Errorf("lastSuccessfulTime = %v, want the manual run's completion %v", got, manualDone)
	}
	if got := written[0].Status.LastScheduleTime; got != nil {
		t.Errorf("lastScheduleTime = %v: a manual run is not scheduled", got)
	}
}

func TestLastRunNeverGoesBackwards(t *testing.T) {
	start, later := metav1.NewTime(at(0)), metav1.NewTime(at(time.Hour))
	recordedFailed := &ihpav1beta2.LastRun{JobName: "b", StartTime: &later, Outcome: ihpav1beta2.RunFailed, Reason: "BackoffLimitExceeded"}
	recordedStuck := &ihpav1beta2.LastRun{JobName: "b", StartTime: &later, Outcome: ihpav1beta2.RunRunning, Reason: "ImagePullBackOff"}
	tests := map[string]struct {
		recorded, observed, want *ihpav1beta2.LastRun
	}{
		"no Job left":                           {recorded: recordedFailed, observed: nil, want: recordedFailed},
		"an older Job is all that is left":      {recorded: recordedFailed, observed: &ihpav1beta2.LastRun{JobName: "a", StartTime: &start, Outcome: ihpav1beta2.RunSucceeded}, want: recordedFailed},
		"a finished run is not rewritten":       {recorded: recordedFailed, observed: &ihpav1beta2.LastRun{JobName: "b", StartTime: &later, Outcome: ihpav1beta2.RunFailed, Reason: "BackoffLimitExceeded", Message: "Pod gone"}, want: recordedFailed},
		"a stuck run stays stuck while it runs": {recorded: recordedStuck, observed: &ihpav1beta2.LastRun{JobName: "b", StartTime: &later, Outcome: ihpav1beta2.RunRunning}, want: recordedStuck},
		"a stuck run finishes":                  {recorded: recordedStuck, observed: recordedFailed, want: recordedFailed},
		"a newer Job replaces it":               {recorded: recordedFailed, observed: &ihpav1beta2.LastRun{JobName: "c", StartTime: &later, Outcome: ihpav1beta2.RunRunning}, want: &ihpav1beta2.LastRun{JobName: "c", StartTime: &later, Outcome: ihpav1beta2.RunRunning}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, nextLastRun(tc.recorded, tc.observed)); diff != "" {
				t.Errorf("nextLastRun (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFreshnessOverTime(t *testing.T) {
	fj := newFittingJob("web")
	success := metav1.NewTime(at(2 * time.Minute))
	done := runJob(fj, "web-1", runStart, completed(success))
	tests := map[string]struct {
		now        time.Time
		suspend    bool
		jobs       []*batchv1.Job
		wantStatus metav1.ConditionStatus
		wantReason string
		wantInMsg  string
	}{
		"before the first run is due, plus grace": {now: at(time.Hour - time.Second), wantStatus: metav1.ConditionUnknown, wantReason: ihpav1beta2.ReasonAwaitingFirstFit},
		"the first run is overdue":                {now: at(time.Hour), wantStatus: metav1.ConditionFalse, wantReason: ihpav1beta2.ReasonFitOverdue},
		"fresh until one period plus grace":       {now: at(25*time.Hour + time.Minute), jobs: []*batchv1.Job{done}, wantStatus: metav1.ConditionTrue, wantReason: ihpav1beta2.ReasonFitSucceeded, wantInMsg: "fresh until 2026-11-02T05:05:00Z"},
		"overdue after one period plus grace":     {now: at(25*time.Hour + 2*time.Minute), jobs: []*batchv1.Job{done}, wantStatus: metav1.ConditionFalse, wantReason: ihpav1beta2.ReasonFitOverdue, wantInMsg: "due by 2026-11-02T05:05:00Z"},
		"suspended, still fresh":                  {now: at(25*time.Hour + time.Minute), suspend: true, jobs: []*batchv1.Job{done}, wantStatus: metav1.ConditionTrue, wantReason: ihpav1beta2.ReasonFitSucceeded, wantInMsg: "The FittingJob is suspended"},
		"suspended, no longer fresh: not overdue": {now: at(26 * time.Hour), suspend: true, jobs: []*batchv1.Job{done}, wantStatus: metav1.ConditionFalse, wantReason: ihpav1beta2.ReasonSuspended, wantInMsg: "succeeded at 2026-11-01T04:05:00Z"},
		"suspended before any success":            {now: at(time.Hour), suspend: true, wantStatus: metav1.ConditionFalse, wantReason: ihpav1beta2.ReasonSuspended, wantInMsg: "No fit has succeeded yet"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fj := fj.DeepCopy()
			if tc.suspend {
				fj.Spec.Suspend = ptrTrue()
			}
			f := newFixture(t)
			f.now = tc.now
			f.withChildren(synced(fj))
			f.jobs = tc.jobs
			actions, err := f.sync(fj)
			if err != nil {
				t.Fatal(err)
			}
			recorded := synced(fj)
			if written := writtenStatus(actions); len(written) > 0 {
				recorded = written[len(written)-1]
			}
			c := freshCondition(t, recorded)
			if c.Status != tc.wantStatus || c.Reason != tc.wantReason || !strings.Contains(c.Message, tc.wantInMsg) {
				t.Errorf("ForecastFresh = %s %s %q, want %s %s containing %q", c.Status, c.Reason, c.Message, tc.wantStatus, tc.wantReason, tc.wantInMsg)
			}
		})
	}
}

func ptrTrue() *bool { v := true; return &v }

// TestOverdueNeedsNoEvent: a sync that finds a fresh forecast asks to be
// synced again the moment it goes overdue, and the worker queues the key
// for then, not before.
func TestOverdueNeedsNoEvent(t *testing.T) {
	fj := newFittingJob("web")
	success := metav1.NewTime(at(2 * time.Minute))
	f := newFixture(t)
	f.now = at(time.Hour)
	f.withChildren(synced(fj))
	f.jobs = []*batchv1.Job{runJob(fj, "web-1", runStart, completed(success))}
	c := f.newController(t.Context())
	deadline := success.Add(24*time.Hour + fixtureGrace)

	after, err := c.sync(t.Context(), keyOf(fj))
	if err != nil {
		t.Fatal(err)
	}
	if want := deadline.Sub(f.now); after != want {
		t.Fatalf("the sync asked to be requeued after %v, want %v (at the deadline)", after, want)
	}

	// The worker queues it for then: a second before, the queue is still
	// waiting for the clock (one waiter more than its own ticker).
	c.syncHandler = c.sync
	c.queue.Add(keyOf(fj))
	waiters := f.clock.Waiters()
	if !c.processNextItem(t.Context()) {
		t.Fatal("the worker stopped")
	}
	waitFor(t, func() bool { return f.clock.Waiters() > waiters }, "the queue to wait for the deadline")
	f.clock.SetTime(deadline.Add(-time.Second))
	if n := c.queue.Len(); n != 0 {
		t.Fatalf("queued %d keys a second before the deadline", n)
	}
	f.clock.SetTime(deadline)
	waitFor(t, func() bool { return c.queue.Len() == 1 }, "the key to be queued at the deadline")
	if got := queued(c); !cmp.Equal(got, []cache.ObjectName{keyOf(fj)}) {
		t.Errorf("queued %v", got)
	}
}

func waitFor(t *testing.T, condition func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if condition() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestRunEventsMapToTheFittingJob(t *testing.T) {
	fj := newFittingJob("web")
	job := runJob(fj, "web-1", runStart)
	elsewhere := runJob(fj, "web-1", runStart)
	elsewhere.Namespace = "other"
	unlabelled := runJob(fj, "x", runStart)
	unlabelled.Labels = nil
	webKey := []cache.ObjectName{keyOf(fj)}
	tests := map[string]struct {
		handle func(c *Controller)
		want   []cache.ObjectName
	}{
		"Job labelled with the FittingJob":        {handle: func(c *Controller) { c.handleJob(job) }, want: webKey},
		"deleted Job seen as a tombstone":         {handle: func(c *Controller) { c.handleJob(cache.DeletedFinalStateUnknown{Obj: job}) }, want: webKey},
		"Job in another namespace":                {handle: func(c *Controller) { c.handleJob(elsewhere) }},
		"Job without the label":                   {handle: func(c *Controller) { c.handleJob(unlabelled) }},
		"Pod of the FittingJob's Job":             {handle: func(c *Controller) { c.handlePod(runPod(job, "web-1-a", corev1.PodStatus{})) }, want: webKey},
		"Pod whose Job is not cached (not a run)": {handle: func(c *Controller) { c.handlePod(runPod(unlabelled, "x-a", corev1.PodStatus{})) }},
		"Pod whose Job of that name has another UID": {handle: func(c *Controller) {
			p := runPod(job, "web-1-a", corev1.PodStatus{})
			p.OwnerReferences[0].UID = "old"
			c.handlePod(p)
		}},
		"resync of a Job": {handle: func(c *Controller) { ifChanged(c.handleJob)(job, job) }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.fittingJobs = append(f.fittingJobs, fj)
			f.jobs = []*batchv1.Job{job}
			c := f.newController(t.Context())
			tc.handle(c)
			if diff := cmp.Diff(tc.want, queued(c)); diff != "" {
				t.Errorf("queued keys (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSeriesOfADeletedFittingJobAreRemoved syncs a FittingJob with a run,
// then the key once the FittingJob is gone, and reads the registry.
func TestSeriesOfADeletedFittingJobAreRemoved(t *testing.T) {
	fj := newFittingJob("metrics-gone")
	success := metav1.NewTime(at(2 * time.Minute))
	f := newFixture(t)
	f.now = at(time.Hour)
	f.withChildren(synced(fj))
	f.jobs = []*batchv1.Job{runJob(fj, "metrics-gone-1", runStart, completed(success))}
	c := f.newController(t.Context())
	if _, err := c.sync(t.Context(), keyOf(fj)); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"fittingjob_last_success_timestamp_seconds":                     float64(success.Unix()),
		"fittingjob_last_run_outcome/Succeeded":                         1,
		"fittingjob_last_run_outcome/Failed":                            0,
		"fittingjob_last_run_outcome/Queued":                            0,
		"fittingjob_last_run_outcome/Running":                           0,
		"fittingjob_last_run_outcome/Unknown":                           0,
		"fittingjob_runs_total/succeeded":                               1,
		"fittingjob_runs_total/failed":                                  0,
		"fittingjob_forecast_fresh":                                     1,
		"fittingjob_status_condition/Ready/true":                        1,
		"fittingjob_status_condition/Ready/false":                       0,
		"fittingjob_status_condition/Ready/unknown":                     0,
		"fittingjob_status_condition/ForecastFresh/true":                1,
		"fittingjob_status_condition/ForecastFresh/false":               0,
		"fittingjob_status_condition/ForecastFresh/unknown":             0,
		"fittingjob_status_condition_reason/Ready/Synced":               1,
		"fittingjob_status_condition_reason/ForecastFresh/FitSucceeded": 1,
	}
	if diff := cmp.Diff(want, seriesOf(t, fj)); diff != "" {
		t.Errorf("series (-want +got):\n%s", diff)
	}

	// The FittingJob is deleted: the informer no longer has it.
	if err := f.fittingJobCache.Delete(fj); err != nil {
		t.Fatal(err)
	}
	if _, err := c.sync(t.Context(), keyOf(fj)); err != nil {
		t.Fatal(err)
	}
	if got := seriesOf(t, fj); len(got) != 0 {
		t.Errorf("series left after the FittingJob is gone: %v", got)
	}
}

// seriesOf reads the per-FittingJob series of fj from the registry, keyed
// by name and the values of its labels other than namespace and
// fittingjob, in the order of their names (condition before status or
// reason).
func seriesOf(t *testing.T, fj *ihpav1beta2.FittingJob) map[string]float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, family := range families {
		if !strings.HasPrefix(family.GetName(), "fittingjob_") || strings.HasPrefix(family.GetName(), "fittingjob_controller_") {
			continue
		}
		for _, m := range family.GetMetric() {
			labels := map[string]string{}
			key := family.GetName()
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
				if l.GetName() != "namespace" && l.GetName() != "fittingjob" {
					key += "/" + l.GetValue()
				}
			}
			if labels["namespace"] != fj.Namespace || labels["fittingjob"] != fj.Name {
				continue
			}
			switch {
			case m.GetGauge() != nil:
				got[key] = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				got[key] = m.GetCounter().GetValue()
			}
		}
	}
	return got
}

// The CronJob's status update (lastScheduleTime, active) and its new Job
// reach the controller through two watches, in either order. Seen first,
// the CronJob's schedule time waits for the Job, so that a run starts with
// one status write, not two.
func TestScheduleTimeWaitsForTheJob(t *testing.T) {
	fj := newFittingJob("web")
	job := runJob(fj, "web-29000000", runStart)
	cronJobScheduled := func(f *fixture) {
		f.cronJobs[0].Status.LastScheduleTime = &runStart
		f.cronJobs[0].Status.Active = []corev1.ObjectReference{{Kind: "Job", Namespace: fj.Namespace, Name: job.Name, UID: job.UID}}
	}

	// The CronJob's update first: nothing to write yet.
	f := newFixture(t)
	f.now = at(time.Second)
	f.withChildren(synced(fj))
	cronJobScheduled(f)
	actions, err := f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	checkActions(t, nil, actions)

	// Then the Job: one write with the run and the schedule time.
	f = newFixture(t)
	f.now = at(time.Second)
	f.withChildren(synced(fj))
	cronJobScheduled(f)
	f.jobs = []*batchv1.Job{job}
	actions, err = f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	written := writtenStatus(actions)
	if len(written) != 1 || written[0].Status.LastRun == nil || written[0].Status.LastScheduleTime == nil ||
		!written[0].Status.LastScheduleTime.Equal(&runStart) {
		t.Errorf("want one write with the run and the schedule time, got %v", actions)
	}
}
