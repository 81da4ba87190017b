package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	core "k8s.io/client-go/testing"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// logsJob is a Job of FittingJob web created at minute, with one Pod.
func logsJob(name string, minute int) (*batchv1.Job, *corev1.Pod) {
	created := metav1.NewTime(time.Date(2026, 12, 1, 4, minute, 0, 0, time.UTC))
	labels := map[string]string{ihpav1beta2.FittingJobNameLabel: "web"}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: name, UID: types.UID(name), Labels: labels, CreationTimestamp: created}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: name + "-pod", Labels: labels, CreationTimestamp: created,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: name, UID: job.UID, Controller: ptrTo(true)}}}}
	return job, pod
}

func ptrTo[T any](v T) *T { return &v }

// The logs of the fitting container, followed, and nothing but reads. (The
// fake clientset does not record which Pod's logs were asked for; the
// newest run and Pod are chosen as status chooses them, tested there.)
func TestLogsReadTheNewestRunsFittingContainer(t *testing.T) {
	oldJob, oldPod := logsJob("web-1", 1)
	newJob, newPod := logsJob("web-2", 2)
	kube := k8sfake.NewClientset(oldJob, oldPod, newJob, newPod)
	var out bytes.Buffer
	if err := printLogs(context.Background(), kube, "team", "web", true, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "fake logs" { // what the fake clientset serves
		t.Errorf("output %q", out.String())
	}
	var logs []core.GenericAction
	for _, a := range kube.Actions() {
		if a.GetVerb() != "list" && a.GetSubresource() != "log" {
			t.Errorf("unexpected %s %s/%s", a.GetVerb(), a.GetResource().Resource, a.GetSubresource())
		}
		if a.GetSubresource() == "log" {
			logs = append(logs, a.(core.GenericAction))
		}
	}
	if len(logs) != 1 {
		t.Fatalf("%d log requests, want 1", len(logs))
	}
	opts, ok := logs[0].GetValue().(*corev1.PodLogOptions)
	if !ok || opts.Container != "fittingjob" || !opts.Follow {
		t.Errorf("log options %+v, want container fittingjob, follow", logs[0].GetValue())
	}
}

func TestLogsSayWhyThereAreNone(t *testing.T) {
	job, _ := logsJob("web-1", 1)
	for _, tc := range []struct {
		name    string
		objects []runtime.Object
		want    string
	}{
		{"no run yet", nil, "has no run yet"},
		{"a run without a Pod", []runtime.Object{job}, "has no Pod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := printLogs(context.Background(), k8sfake.NewClientset(tc.objects...), "team", "web", false, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
