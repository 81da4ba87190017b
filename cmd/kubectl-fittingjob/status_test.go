package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/printers"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// statusNow is the time the status tests read their clocks at.
var statusNow = time.Date(2026, 12, 2, 7, 30, 0, 0, time.UTC)

func at(minutesAgo int) metav1.Time {
	return metav1.NewTime(statusNow.Add(-time.Duration(minutesAgo) * time.Minute))
}

func ptrTime(t metav1.Time) *metav1.Time { return &t }

// failingFittingJob is the FittingJob of a failed fit, as the controller
// reports it.
func failingFittingJob() *ihpav1beta2.FittingJob {
	fj := newFittingJob()
	zone := "Asia/Tokyo"
	fj.Spec.TimeZone = &zone
	fj.Status.Schedule = "30 3 * * *"
	fj.Status.Conditions[0].Message = "ConfigMap fittingjob-config and CronJob fittingjob are in sync"
	fj.Status.Conditions[0].LastTransitionTime = at(60 * 24)
	fj.Status.Conditions = append(fj.Status.Conditions, metav1.Condition{
		Type: ihpav1beta2.ConditionForecastFresh, Status: metav1.ConditionFalse, Reason: ihpav1beta2.ReasonFitFailed,
		LastTransitionTime: at(5),
		Message:            "Job fittingjob-manual-b2 failed: BackoffLimitExceeded: Job has reached the specified backoff limit; Pod fittingjob-manual-b2-mgdsd: container fittingjob terminated: Error, exit code 1: fit failed",
	})
	fj.Status.LastScheduleTime = ptrTime(at(60 * 28))
	fj.Status.LastSuccessfulTime = ptrTime(at(60 * 27))
	fj.Status.LastRun = &ihpav1beta2.LastRun{
		JobName: "fittingjob-manual-b2", StartTime: ptrTime(at(6)), CompletionTime: ptrTime(at(5)),
		Outcome: ihpav1beta2.RunFailed, Reason: "BackoffLimitExceeded",
		Message: "Job has reached the specified backoff limit; Pod fittingjob-manual-b2-mgdsd: container fittingjob terminated: Error, exit code 1: fit failed",
	}
	return fj
}

// queuedFittingJob is a FittingJob whose last run waits for Kueue, as the
// controller reports it.
func queuedFittingJob() *ihpav1beta2.FittingJob {
	fj := failingFittingJob()
	fj.Spec.QueueName = "fits"
	fj.Status.Conditions[1] = metav1.Condition{
		Type: ihpav1beta2.ConditionForecastFresh, Status: metav1.ConditionTrue, Reason: ihpav1beta2.ReasonFitSucceeded,
		LastTransitionTime: at(60 * 20),
		Message:            "The last fit succeeded at 2026-12-01T11:30:00Z; the forecast is fresh until 2026-12-02T12:30:00Z (one schedule period, 24h0m0s, plus a grace of 1h0m0s).",
	}
	fj.Status.LastSuccessfulTime = ptrTime(at(60 * 20))
	fj.Status.LastRun = &ihpav1beta2.LastRun{
		JobName: "fittingjob-manual-d4", StartTime: ptrTime(at(2)), Outcome: ihpav1beta2.RunQueued, Reason: "Pending",
		Message: "Job fittingjob-manual-d4 waits for Kueue to admit it from LocalQueue fits (Workload job-fittingjob-manual-d4-cc91f): couldn't assign flavors to pod set main: insufficient unused quota for pods in flavor default-flavor, 1 more needed",
	}
	return fj
}

func statusJob(name string, minutesAgo int, conditions ...batchv1.JobCondition) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: testNamespace, UID: types.UID(name + "-uid"), CreationTimestamp: at(minutesAgo),
			Labels: map[string]string{ihpav1beta2.FittingJobNameLabel: testName},
		},
		Status: batchv1.JobStatus{Conditions: conditions},
	}
}

func statusPod(job *batchv1.Job, name string, minutesAgo int, status corev1.PodStatus) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: testNamespace, CreationTimestamp: at(minutesAgo),
			Labels:          map[string]string{ihpav1beta2.FittingJobNameLabel: testName},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job.Name, UID: job.UID, Controller: new(true)}},
		},
		Status: status,
	}
}

var (
	complete = batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}
	failed   = batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded"}
)

func terminatedWith(code int32, reason, message string) corev1.PodStatus {
	return corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{
		Name:  generator.ContainerName,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: message}},
	}}}
}

// failingFit is a failed manual run after older runs, with Jobs and Pods
// of another FittingJob around.
func failingFit() []runtime.Object {
	newest := statusJob("fittingjob-manual-b2", 6, failed)
	older := statusJob("fittingjob-29400000", 60*28, complete)
	other := statusJob("other-manual-zz", 1, failed)
	other.Labels[ihpav1beta2.FittingJobNameLabel] = "other"
	objects := []runtime.Object{failingFittingJob(), older, newest, other,
		statusPod(older, "fittingjob-29400000-aaaaa", 60*28, corev1.PodStatus{Phase: corev1.PodSucceeded}),
		// The first Pod of the failed Job, and its retry, newer.
		statusPod(newest, "fittingjob-manual-b2-first", 6, terminatedWith(2, "Error", "")),
		statusPod(newest, "fittingjob-manual-b2-mgdsd", 5, terminatedWith(1, "Error", "fit failed\n")),
	}
	for i := 0; i < 5; i++ {
		objects = append(objects, statusJob("fittingjob-2939999"+string(rune('0'+i)), 60*24*(i+2), complete))
	}
	return objects
}

func TestStatusGolden(t *testing.T) {
	stuck := statusJob("fittingjob-manual-c3", 3)
	stuck.Status.Active = 1
	queuedJob := statusJob("fittingjob-manual-d4", 2)
	queuedJob.Labels[ihpav1beta2.KueueQueueLabel] = "fits"
	queuedJob.Spec.Suspend = new(true)
	suspended := failingFittingJob()
	suspended.Spec.Suspend = new(true)
	suspended.Generation = 3
	for _, tc := range []struct {
		name    string
		objects []runtime.Object
	}{
		{name: "failed", objects: failingFit()},
		{name: "stuck", objects: append(failingFit(), stuck, statusPod(stuck, "fittingjob-manual-c3-ppppp", 3, corev1.PodStatus{
			Phase: corev1.PodPending,
			ContainerStatuses: []corev1.ContainerStatus{{
				Name:                 generator.ContainerName,
				State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "example.com/fit:typo"`}},
				LastTerminationState: corev1.ContainerState{},
			}},
		}))},
		{name: "unscheduled", objects: []runtime.Object{failingFittingJob(), stuck, statusPod(stuck, "fittingjob-manual-c3-ppppp", 3, corev1.PodStatus{
			Phase: corev1.PodPending,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
				Message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."}},
		})}},
		{name: "no pod", objects: []runtime.Object{failingFittingJob(), stuck}},
		{name: "suspended, not synced", objects: []runtime.Object{suspended}},
		{name: "queued", objects: []runtime.Object{queuedFittingJob(), queuedJob}},
		{name: "new", objects: []runtime.Object{newFittingJob()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kube, ihpa := newClients(tc.objects...)
			report, err := gatherStatus(context.Background(), kube, ihpa, testNamespace, testName)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			report.write(&out, statusNow)
			checkGolden(t, filepath.Join("testdata", "status-"+strings.ReplaceAll(strings.ReplaceAll(tc.name, ", ", "-"), " ", "-")+".golden"), out.String())
			// Read-only: get and list, nothing else.
			for _, a := range append(kube.Actions(), ihpa.Actions()...) {
				if v := a.GetVerb(); v != "get" && v != "list" {
					t.Errorf("status made a %s of %s", v, a.GetResource().Resource)
				}
			}
		})
	}
}

func TestStatusNotFound(t *testing.T) {
	kube, ihpa := newClients()
	_, err := gatherStatus(context.Background(), kube, ihpa, testNamespace, testName)
	if want := "no FittingJob fittingjob in namespace team-a"; err == nil || err.Error() != want {
		t.Errorf("gatherStatus() error = %v, want %q", err, want)
	}
}

// -o json prints a v1 List of the FittingJob, its recent Jobs newest
// first, and the Pod inspected, with their kinds.
func TestStatusList(t *testing.T) {
	kube, ihpa := newClients(failingFit()...)
	report, err := gatherStatus(context.Background(), kube, ihpa, testNamespace, testName)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := (&printers.JSONPrinter{}).PrintObj(report.list(), &out); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string
		Items []struct {
			Kind     string
			Metadata struct{ Name string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, item := range list.Items {
		got = append(got, item.Kind+"/"+item.Metadata.Name)
	}
	want := []string{
		"FittingJob/fittingjob", "Job/fittingjob-manual-b2", "Job/fittingjob-29400000",
		"Job/fittingjob-29399990", "Job/fittingjob-29399991", "Job/fittingjob-29399992",
		"Pod/fittingjob-manual-b2-mgdsd",
	}
	if list.Kind != "List" {
		t.Errorf("kind = %q, want List", list.Kind)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items differ (-want +got):\n%s", diff)
	}
}

func TestNextRun(t *testing.T) {
	tokyo, bogus := "Asia/Tokyo", "Mars/Olympus"
	for _, tc := range []struct {
		schedule string
		timeZone *string
		want     string // RFC 3339, or the start of the error
	}{
		{"30 3 * * *", nil, "2026-12-03T03:30:00Z"},
		{"30 3 * * *", &tokyo, "2026-12-03T03:30:00+09:00"},
		{"@hourly", nil, "2026-12-02T08:00:00Z"},
		{"30 3 * * *", &bogus, `error: unknown time zone "Mars/Olympus"`},
		{"0 24 * * *", nil, `error: cannot parse schedule "0 24 * * *"`},
		{"", nil, `error: cannot parse schedule ""`},
		{"0 0 30 2 *", nil, `error: schedule "0 0 30 2 *" never fires`},
	} {
		next, err := nextRun(tc.schedule, tc.timeZone, statusNow)
		got := next.Format(time.RFC3339)
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("nextRun(%q, %v) = %s, want %s", tc.schedule, tc.timeZone, got, tc.want)
		}
	}
}
