package controller

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

const quotaMessage = "couldn't assign flavors to pod set main: insufficient unused quota for pods in flavor default, 1 more needed"

// queuedTo makes a Job one that waits for Kueue: suspended, with the queue
// label, as the CronJob's template of a FittingJob with spec.queueName
// creates it.
func queuedTo(queue string) func(*batchv1.Job) {
	return func(job *batchv1.Job) {
		job.Labels[ihpav1beta2.KueueQueueLabel] = queue
		job.Spec.Suspend = ptr.To(true)
	}
}

// admitted is what Kueue does to a Job it admits: unsuspend it.
func admitted(job *batchv1.Job) { job.Spec.Suspend = ptr.To(false) }

// workloadOfJob is Kueue's Workload of job, with conditions given as
// type, status, reason, message.
func workloadOfJob(job *batchv1.Job, conditions ...[4]string) *unstructured.Unstructured {
	w := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"queueName": job.Labels[ihpav1beta2.KueueQueueLabel], "podSets": []any{map[string]any{"name": "main", "count": int64(1)}}},
	}}
	w.SetAPIVersion(KueueGroup + "/v1beta2")
	w.SetKind("Workload")
	w.SetNamespace(job.Namespace)
	w.SetName("job-" + job.Name + "-1a2b3")
	w.SetUID(types.UID("workload-of-" + job.Name))
	w.SetResourceVersion("7")
	w.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job.Name, UID: job.UID, Controller: ptr.To(true)}})
	var kept []any
	for _, c := range conditions {
		kept = append(kept, map[string]any{"type": c[0], "status": c[1], "reason": c[2], "message": c[3],
			"lastTransitionTime": "2026-11-01T04:03:01Z", "observedGeneration": int64(1)})
	}
	if kept != nil {
		w.Object["status"] = map[string]any{"conditions": kept, "requeueState": map[string]any{"count": int64(3)}}
	}
	return w
}

func TestAQueuedRunIsReported(t *testing.T) {
	fj := newFittingJob("web")
	fj.Spec.QueueName = "fits"
	start := runStart
	waiting := runJob(fj, "web-29000000", start, queuedTo("fits"))
	pending := workloadOfJob(waiting, [4]string{"QuotaReserved", "False", "Pending", quotaMessage})

	tests := map[string]runCase{
		"queued: Kueue's reason and message": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{waiting}, kueue: true, workloads: []*unstructured.Unstructured{pending}},
			wantRun: ihpav1beta2.LastRun{JobName: waiting.Name, StartTime: &start, Outcome: ihpav1beta2.RunQueued, Reason: "Pending",
				Message: "Job web-29000000 waits for Kueue to admit it from LocalQueue fits (Workload job-web-29000000-1a2b3): " + quotaMessage},
			wantFresh:  metav1.ConditionUnknown,
			wantReason: ihpav1beta2.ReasonAwaitingFirstFit,
		},
		"queued: the LocalQueue does not exist": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{waiting}, kueue: true, workloads: []*unstructured.Unstructured{
				workloadOfJob(waiting, [4]string{"QuotaReserved", "False", "Inadmissible", "LocalQueue fits doesn't exist"})}},
			wantRun: ihpav1beta2.LastRun{JobName: waiting.Name, StartTime: &start, Outcome: ihpav1beta2.RunQueued, Reason: "Inadmissible",
				Message: "Job web-29000000 waits for Kueue to admit it from LocalQueue fits (Workload job-web-29000000-1a2b3): LocalQueue fits doesn't exist"},
			wantFresh:  metav1.ConditionUnknown,
			wantReason: ihpav1beta2.ReasonAwaitingFirstFit,
		},
		"queued: quota reserved, admission checks pending": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{waiting}, kueue: true, workloads: []*unstructured.Unstructured{
				workloadOfJob(waiting, [4]string{"QuotaReserved", "True", "QuotaReserved", "Quota reserved in ClusterQueue fits"},
					[4]string{"Admitted", "False", "UnsatisfiedChecks", "The workload has not all admission checks"})}},
			wantRun: ihpav1beta2.LastRun{JobName: waiting.Name, StartTime: &start, Outcome: ihpav1beta2.RunQueued, Reason: "UnsatisfiedChecks",
				Message: "Job web-29000000 waits for Kueue to admit it from LocalQueue fits (Workload job-web-29000000-1a2b3): The workload has not all admission checks"},
			wantFresh:  metav1.ConditionUnknown,
			wantReason: ihpav1beta2.ReasonAwaitingFirstFit,
		},
		"queued: no Workload yet": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{waiting}, kueue: true},
			wantRun: ihpav1beta2.LastRun{JobName: waiting.Name, StartTime: &start, Outcome: ihpav1beta2.RunQueued, Reason: ihpav1beta2.RunReasonNoWorkload,
				Message: "Job web-29000000 waits for Kueue to admit it from LocalQueue fits; Kueue has not made a Workload of it yet"},
			wantFresh:  metav1.ConditionUnknown,
			wantReason: ihpav1beta2.ReasonAwaitingFirstFit,
		},
		"queued on a cluster without Kueue": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{waiting}},
			wantRun: ihpav1beta2.LastRun{JobName: waiting.Name, StartTime: &start, Outcome: ihpav1beta2.RunQueued, Reason: ihpav1beta2.RunReasonKueueNotWatched,
				Message: "Job web-29000000 waits for Kueue to admit it from LocalQueue fits, but the controller does not watch Kueue's Workloads: the cluster serves no Kueue API (kueue.x-k8s.io Workloads)"},
			wantFresh:  metav1.ConditionUnknown,
			wantReason: ihpav1beta2.ReasonAwaitingFirstFit,
		},
		"queued past the grace": {
			state: runState{now: at(fixtureGrace), jobs: []*batchv1.Job{waiting}, kueue: true, workloads: []*unstructured.Unstructured{pending}},
			wantRun: ihpav1beta2.LastRun{JobName: waiting.Name, StartTime: &start, Outcome: ihpav1beta2.RunQueued, Reason: "Pending",
				Message: "Job web-29000000 waits for Kueue to admit it from LocalQueue fits (Workload job-web-29000000-1a2b3): " + quotaMessage},
			wantFresh:  metav1.ConditionFalse,
			wantReason: ihpav1beta2.ReasonFitQueued,
		},
		"admitted, the Job not yet unsuspended: it runs": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{waiting}, kueue: true,
				workloads: []*unstructured.Unstructured{workloadOfJob(waiting, [4]string{"QuotaReserved", "True", "QuotaReserved", ""}, [4]string{"Admitted", "True", "Admitted", ""})}},
			wantRun:    ihpav1beta2.LastRun{JobName: waiting.Name, StartTime: &start, Outcome: ihpav1beta2.RunRunning},
			wantFresh:  metav1.ConditionUnknown,
			wantReason: ihpav1beta2.ReasonAwaitingFirstFit,
		},
		"admitted: the Job runs": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{runJob(fj, waiting.Name, start, queuedTo("fits"), admitted)}, kueue: true,
				workloads: []*unstructured.Unstructured{workloadOfJob(waiting, [4]string{"QuotaReserved", "True", "QuotaReserved", ""}, [4]string{"Admitted", "True", "Admitted", ""})}},
			wantRun:    ihpav1beta2.LastRun{JobName: waiting.Name, StartTime: &start, Outcome: ihpav1beta2.RunRunning},
			wantFresh:  metav1.ConditionUnknown,
			wantReason: ihpav1beta2.ReasonAwaitingFirstFit,
		},
		// Without the queue label a suspended Job is someone's doing, not
		// Kueue's: stuck, as before.
		"suspended by hand, not queued": {
			state: runState{now: at(time.Minute), jobs: []*batchv1.Job{runJob(fj, waiting.Name, start, func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) })}, kueue: true},
			wantRun: ihpav1beta2.LastRun{JobName: waiting.Name, StartTime: &start, Outcome: ihpav1beta2.RunRunning, Reason: ihpav1beta2.RunReasonSuspended,
				Message: "Job web-29000000 is suspended: it starts no Pod until it is resumed"},
			wantFresh:  metav1.ConditionFalse,
			wantReason: ihpav1beta2.ReasonFitStuck,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) { tc.check(t, fj) })
	}
}

// A queued run costs a status write when it is first seen queued and when
// its reason changes, not each time Kueue rewrites its count of what is
// missing; a queued run whose Job goes is closed like a running one.
func TestAQueuedRunCostsBoundedStatusWrites(t *testing.T) {
	fj := newFittingJob("web")
	fj.Spec.QueueName = "fits"
	waiting := runJob(fj, "web-29000000", runStart, queuedTo("fits"))
	missing := func(n string) *unstructured.Unstructured {
		return workloadOfJob(waiting, [4]string{"QuotaReserved", "False", "Pending",
			"couldn't assign flavors to pod set main: insufficient unused quota for pods in flavor default, " + n + " more needed"})
	}
	recorded := synced(fj)
	var total int
	for _, step := range []struct {
		name       string
		state      runState
		wantWrites int
		wantRun    ihpav1beta2.RunOutcome
	}{
		{"queued, 3 missing", runState{now: at(time.Minute), jobs: []*batchv1.Job{waiting}, kueue: true, workloads: []*unstructured.Unstructured{missing("3")}}, 1, ihpav1beta2.RunQueued},
		{"queued, 2 missing", runState{now: at(2 * time.Minute), jobs: []*batchv1.Job{waiting}, kueue: true, workloads: []*unstructured.Unstructured{missing("2")}}, 0, ihpav1beta2.RunQueued},
		{"queued, 1 missing", runState{now: at(3 * time.Minute), jobs: []*batchv1.Job{waiting}, kueue: true, workloads: []*unstructured.Unstructured{missing("1")}}, 0, ihpav1beta2.RunQueued},
		{"running", runState{now: at(4 * time.Minute), jobs: []*batchv1.Job{runJob(fj, waiting.Name, runStart, queuedTo("fits"), admitted)}, kueue: true}, 1, ihpav1beta2.RunRunning},
		{"preempted: queued again", runState{now: at(5 * time.Minute), jobs: []*batchv1.Job{waiting}, kueue: true, workloads: []*unstructured.Unstructured{
			workloadOfJob(waiting, [4]string{"QuotaReserved", "False", "Preempted", "Preempted to accommodate a workload of higher priority"})}}, 1, ihpav1beta2.RunQueued},
		{"the Job is deleted", runState{now: at(6 * time.Minute), kueue: true}, 1, ihpav1beta2.RunUnknown},
	} {
		got, writes, _ := syncAt(t, recorded, step.state)
		if writes != step.wantWrites {
			t.Errorf("%s: %d status writes, want %d", step.name, writes, step.wantWrites)
		}
		if got.Status.LastRun == nil || got.Status.LastRun.Outcome != step.wantRun {
			t.Fatalf("%s: lastRun = %+v, want outcome %s", step.name, got.Status.LastRun, step.wantRun)
		}
		recorded, total = got, total+writes
	}
	if total != 4 {
		t.Errorf("%d status writes in all, want 4", total)
	}
}

// Until the grace is up, a queued run leaves the forecast as its last
// success has it, and the sync comes back when the grace is up.
func TestQueuedRunFreshnessTurnsAtTheGrace(t *testing.T) {
	start := metav1.NewTime(runStart.Time)
	success := metav1.NewTime(runStart.Add(-time.Hour))
	schedule, err := parseSchedule("3 4 * * *", nil)
	if err != nil {
		t.Fatal(err)
	}
	in := freshness{
		now: runStart.Add(10 * time.Minute), created: created.Time, schedule: schedule, grace: fixtureGrace,
		lastSuccess: &success,
		lastRun:     &ihpav1beta2.LastRun{JobName: "web-2", StartTime: &start, Outcome: ihpav1beta2.RunQueued, Reason: "Pending", Message: "waits"},
	}
	fresh, flips := forecastFresh(in)
	if fresh.Status != metav1.ConditionTrue || fresh.Reason != ihpav1beta2.ReasonFitSucceeded {
		t.Errorf("queued within the grace: ForecastFresh %s %s, want True FitSucceeded", fresh.Status, fresh.Reason)
	}
	if want := runStart.Add(fixtureGrace); !flips.Equal(want) {
		t.Errorf("queued within the grace: changes at %s, want %s (the end of the grace)", flips, want)
	}
	in.now = runStart.Add(fixtureGrace)
	fresh, _ = forecastFresh(in)
	if fresh.Status != metav1.ConditionFalse || fresh.Reason != ihpav1beta2.ReasonFitQueued ||
		!strings.Contains(fresh.Message, "Job web-2 has waited for Kueue since 2026-11-01T04:03:00Z, longer than the grace of 1h0m0s: Pending: waits") {
		t.Errorf("queued past the grace: ForecastFresh %s %s %q, want False FitQueued", fresh.Status, fresh.Reason, fresh.Message)
	}
}

// The Workload informer keeps what the sync reads of a Workload and drops
// the rest (its spec, which repeats the Pod template, above all).
func TestTrimWorkload(t *testing.T) {
	job := runJob(newFittingJob("web"), "web-1", runStart, queuedTo("fits"))
	w := workloadOfJob(job, [4]string{"QuotaReserved", "False", "Pending", strings.Repeat("m", 10*maxRunMessage)})
	trimmed, err := TrimWorkload(w.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	got := trimmed.(*unstructured.Unstructured)
	if _, found := got.Object["spec"]; found {
		t.Error("the spec is kept")
	}
	if got.GetName() != w.GetName() || got.GetNamespace() != w.GetNamespace() || got.GetResourceVersion() != w.GetResourceVersion() ||
		len(got.GetOwnerReferences()) != 1 {
		t.Errorf("metadata %v, want the name, namespace, resourceVersion and owner of %v", got.Object["metadata"], w.Object["metadata"])
	}
	reason, message, _ := workloadWait(got)
	if reason != "Pending" || len(message) > maxRunMessage+len(" … (truncated)") {
		t.Errorf("workloadWait = %q and %d bytes, want Pending and a message cut to %d", reason, len(message), maxRunMessage)
	}
	if keys, _ := jobOfWorkload(got); len(keys) != 1 || keys[0] != string(job.UID) {
		t.Errorf("indexed by %v, want the Job's UID %s", keys, job.UID)
	}
}

// A Workload's event queues the FittingJob of the Job it belongs to, and
// nothing for a Workload of another Job.
func TestWorkloadEventsQueueTheFittingJob(t *testing.T) {
	fj := newFittingJob("web")
	job := runJob(fj, "web-1", runStart, queuedTo("fits"))
	f := newFixture(t)
	f.fittingJobs = []*ihpav1beta2.FittingJob{fj}
	f.jobs = []*batchv1.Job{job}
	f.kueue = true
	c := f.newController(t.Context())

	foreign := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: fj.Namespace, Name: "other", UID: "other-uid"}}
	c.handleWorkload(workloadOfJob(foreign))
	if got := queued(c); len(got) != 0 {
		t.Errorf("a foreign Workload queued %v", got)
	}
	c.handleWorkload(cache.DeletedFinalStateUnknown{Key: "x", Obj: workloadOfJob(job)})
	if got := queued(c); len(got) != 1 || got[0] != (cache.ObjectName{Namespace: fj.Namespace, Name: fj.Name}) {
		t.Errorf("the Workload of %s queued %v, want %s/%s", job.Name, got, fj.Namespace, fj.Name)
	}
}
