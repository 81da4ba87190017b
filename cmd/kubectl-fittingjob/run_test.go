package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/printers"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	core "k8s.io/client-go/testing"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned/fake"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

const (
	testNamespace = "team-a"
	testName      = "fittingjob"
	testSuffix    = "x7k2p"
	testJobName   = testName + "-manual-" + testSuffix
)

// newFittingJob is the shared test FittingJob as the controller has
// synced it.
func newFittingJob() *ihpav1beta2.FittingJob {
	fj := testutil.FittingJob(testNamespace, testName)
	fj.UID, fj.Generation = "fj-uid", 2
	fj.Status = ihpav1beta2.FittingJobStatus{
		ObservedGeneration: 2,
		Conditions: []metav1.Condition{{
			Type: ihpav1beta2.ConditionReady, Status: metav1.ConditionTrue, Reason: ihpav1beta2.ReasonSynced, ObservedGeneration: 2,
		}},
	}
	return fj
}

// newCronJob is fj's CronJob as the controller writes it, with a job
// template that has labels and annotations to copy.
func newCronJob(fj *ihpav1beta2.FittingJob) *batchv1.CronJob {
	children, errs := generator.Desired(fj)
	if len(errs) > 0 {
		panic(errs.ToAggregate())
	}
	cj := children.CronJob
	cj.UID = "cj-uid"
	cj.Spec.JobTemplate.Labels = map[string]string{"team": "a"}
	cj.Spec.JobTemplate.Annotations = map[string]string{"note": "from the template"}
	return cj
}

func newClients(objects ...runtime.Object) (*k8sfake.Clientset, *fake.Clientset) {
	var kubeObjects, ihpaObjects []runtime.Object
	for _, o := range objects {
		if _, ok := o.(*ihpav1beta2.FittingJob); ok {
			ihpaObjects = append(ihpaObjects, o)
		} else {
			kubeObjects = append(kubeObjects, o)
		}
	}
	return k8sfake.NewClientset(kubeObjects...), fake.NewSimpleClientset(ihpaObjects...)
}

func TestRunCreatesJobFromCronJob(t *testing.T) {
	fj := newFittingJob()
	cj := newCronJob(fj)
	kube, ihpa := newClients(fj, cj)
	var stdout, stderr bytes.Buffer

	opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix}
	if err := runFittingJob(context.Background(), kube, ihpa, opts, &stdout, &stderr); err != nil {
		t.Fatalf("runFittingJob() error = %v", err)
	}

	want := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:      testJobName,
			Namespace: testNamespace,
			Labels:    map[string]string{"team": "a"},
			Annotations: map[string]string{
				"cronjob.kubernetes.io/instantiate": "manual",
				"note":                              "from the template",
			},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "batch/v1", Kind: "CronJob", Name: testName, UID: "cj-uid", Controller: new(true),
			}},
		},
		Spec: cj.Spec.JobTemplate.Spec,
	}
	// What was sent to the API server, not what it stored.
	var created []*batchv1.Job
	for _, a := range kube.Actions() {
		if a.Matches("create", "jobs") {
			created = append(created, a.(core.CreateAction).GetObject().(*batchv1.Job))
		}
	}
	if len(created) != 1 {
		t.Fatalf("runFittingJob() created %d Jobs, want 1", len(created))
	}
	got := created[0]
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created Job differs (-want +got):\n%s", diff)
	}
	// The template the Job runs is the fitting container with its config.
	if c := got.Spec.Template.Spec.Containers; len(c) != 1 || c[0].Name != generator.ContainerName {
		t.Errorf("the Job's containers are %+v, want the fitting container", c)
	}
	if got, want := stdout.String(), "job.batch/"+testJobName+" created\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr = %q, want nothing for a Ready FittingJob", stderr.String())
	}
}

// TestJobFromCronJobCopies: the Job shares nothing with the CronJob it is
// made from, which may come from a cache.
func TestJobFromCronJobCopies(t *testing.T) {
	cj := newCronJob(newFittingJob())
	original := cj.DeepCopy()
	job := jobFromCronJob(cj, testJobName)
	job.Labels["team"] = "changed"
	job.Annotations["note"] = "changed"
	job.Spec.Template.Spec.Containers[0].Image = "changed"
	if diff := cmp.Diff(original, cj); diff != "" {
		t.Errorf("changing the Job changed the CronJob (-before +after):\n%s", diff)
	}
}

func TestRunRefuses(t *testing.T) {
	fj := newFittingJob()
	foreign := newCronJob(fj)
	foreign.OwnerReferences = nil

	for _, tc := range []struct {
		name    string
		objects []runtime.Object
		wantErr string
	}{
		{
			name:    "no FittingJob",
			objects: []runtime.Object{newCronJob(fj)},
			wantErr: "no FittingJob fittingjob in namespace team-a",
		},
		{
			name:    "no CronJob yet",
			objects: []runtime.Object{fj},
			wantErr: "FittingJob team-a/fittingjob has no CronJob fittingjob yet: is the fittingjob-controller running?",
		},
		{
			name:    "a CronJob the FittingJob does not control",
			objects: []runtime.Object{fj, foreign},
			wantErr: "CronJob team-a/fittingjob is not controlled by FittingJob fittingjob",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kube, ihpa := newClients(tc.objects...)
			var stdout bytes.Buffer
			opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix}
			err := runFittingJob(context.Background(), kube, ihpa, opts, &stdout, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("runFittingJob() error = %v, want one containing %q", err, tc.wantErr)
			}
			for _, a := range kube.Actions() {
				if a.GetVerb() == "create" {
					t.Errorf("runFittingJob() created %s", a.GetResource().Resource)
				}
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestRunWarnsWhenNotReady(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*ihpav1beta2.FittingJob)
		want   string
	}{
		{
			name:   "spec not yet synced",
			mutate: func(fj *ihpav1beta2.FittingJob) { fj.Generation = 3 },
			want:   "Warning: the controller has not yet synced the latest spec of FittingJob team-a/fittingjob",
		},
		{
			name: "Ready is False",
			mutate: func(fj *ihpav1beta2.FittingJob) {
				fj.Status.Conditions[0].Status = metav1.ConditionFalse
				fj.Status.Conditions[0].Reason = "CronJobRejected"
				fj.Status.Conditions[0].Message = "unknown time zone"
			},
			want: "Warning: FittingJob team-a/fittingjob is not Ready (CronJobRejected: unknown time zone)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := newFittingJob()
			cj := newCronJob(fj)
			tc.mutate(fj)
			kube, ihpa := newClients(fj, cj)
			var stderr bytes.Buffer
			opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix}
			if err := runFittingJob(context.Background(), kube, ihpa, opts, &bytes.Buffer{}, &stderr); err != nil {
				t.Fatalf("runFittingJob() error = %v; a warning should not stop the run", err)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr = %q, want %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestManualJobName(t *testing.T) {
	if got, want := manualJobName("fittingjob", "x7k2p"), "fittingjob-manual-x7k2p"; got != want {
		t.Errorf("manualJobName() = %q, want %q", got, want)
	}
	// The longest FittingJob name: the Job's name is cut to 63.
	long := strings.Repeat("a", 52)
	got := manualJobName(long, "x7k2p")
	if len(got) != maxJobNameLength || !strings.HasSuffix(got, "-manual-x7k2p") || !strings.HasPrefix(got, long[:50]) {
		t.Errorf("manualJobName(%d characters) = %q (%d characters), want 63 ending in -manual-x7k2p", len(long), got, len(got))
	}
}

// syncBuffer is a bytes.Buffer that a waiting runFittingJob writes to while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventually waits until cond holds, or fails the test.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestRunWaitComplete plays the Job controller: it moves the created Job
// through a running Pod to completion and checks each step is reported
// and the wait ends in success.
func TestRunWaitComplete(t *testing.T) {
	fj := newFittingJob()
	kube, ihpa := newClients(fj, newCronJob(fj))
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() {
		opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix, Wait: true, Timeout: time.Minute}
		done <- runFittingJob(context.Background(), kube, ihpa, opts, &stdout, &bytes.Buffer{})
	}()

	jobs := kube.BatchV1().Jobs(testNamespace)
	setStatus := func(status batchv1.JobStatus, line string) {
		t.Helper()
		job, err := jobs.Get(context.Background(), testJobName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		job.Status = status
		if _, err := jobs.UpdateStatus(context.Background(), job, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the line "+line, func() bool { return strings.Contains(stdout.String(), line) })
	}
	eventually(t, "the first progress line", func() bool {
		return strings.Contains(stdout.String(), "0 active, 0 succeeded, 0 failed")
	})
	setStatus(batchv1.JobStatus{Active: 1}, "1 active, 0 succeeded, 0 failed")
	// A change that is not progress prints nothing.
	setStatus(batchv1.JobStatus{Active: 1, Ready: new(int32(1))}, "1 active, 0 succeeded, 0 failed")
	setStatus(batchv1.JobStatus{Succeeded: 1, Conditions: []batchv1.JobCondition{
		{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue},
		{Type: batchv1.JobComplete, Status: corev1.ConditionTrue},
	}}, "complete")

	if err := <-done; err != nil {
		t.Fatalf("runFittingJob(--wait) error = %v, want success", err)
	}
	want := "job.batch/" + testJobName + " created\n" +
		"job.batch/" + testJobName + ": 0 active, 0 succeeded, 0 failed\n" +
		"job.batch/" + testJobName + ": 1 active, 0 succeeded, 0 failed\n" +
		"job.batch/" + testJobName + ": 0 active, 1 succeeded, 0 failed\n" +
		"job.batch/" + testJobName + " complete\n"
	if diff := cmp.Diff(want, stdout.String()); diff != "" {
		t.Errorf("stdout differs (-want +got):\n%s", diff)
	}
}

// TestRunWaitFailed has a reactor create the Job already failed, as the
// Job controller leaves it after its backoff limit.
func TestRunWaitFailed(t *testing.T) {
	fj := newFittingJob()
	kube, ihpa := newClients(fj, newCronJob(fj))
	kube.PrependReactor("create", "jobs", func(action core.Action) (bool, runtime.Object, error) {
		job := action.(core.CreateAction).GetObject().(*batchv1.Job)
		job.Status = batchv1.JobStatus{Failed: 7, Conditions: []batchv1.JobCondition{{
			Type: batchv1.JobFailed, Status: corev1.ConditionTrue,
			Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit",
		}}}
		return false, nil, nil // the object tracker stores it
	})
	var stdout bytes.Buffer
	opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix, Wait: true, Timeout: time.Minute}
	err := runFittingJob(context.Background(), kube, ihpa, opts, &stdout, &bytes.Buffer{})

	wantErr := "job.batch/" + testJobName + " failed: BackoffLimitExceeded: Job has reached the specified backoff limit"
	if err == nil || err.Error() != wantErr {
		t.Fatalf("runFittingJob(--wait) error = %v, want %q", err, wantErr)
	}
	if want := ": 0 active, 0 succeeded, 7 failed\n"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout = %q, want a line with %q", stdout.String(), want)
	}
}

func TestRunWaitTimeout(t *testing.T) {
	fj := newFittingJob()
	kube, ihpa := newClients(fj, newCronJob(fj))
	opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix, Wait: true, Timeout: 100 * time.Millisecond}
	err := runFittingJob(context.Background(), kube, ihpa, opts, &bytes.Buffer{}, &bytes.Buffer{})
	want := "timed out after 100ms waiting for job.batch/" + testJobName + " to finish; it keeps running"
	if err == nil || err.Error() != want {
		t.Fatalf("runFittingJob(--wait) error = %v, want %q", err, want)
	}
}

func TestRunWaitJobDeleted(t *testing.T) {
	fj := newFittingJob()
	kube, ihpa := newClients(fj, newCronJob(fj))
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() {
		opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix, Wait: true, Timeout: time.Minute}
		done <- runFittingJob(context.Background(), kube, ihpa, opts, &stdout, &bytes.Buffer{})
	}()
	eventually(t, "the first progress line", func() bool { return strings.Contains(stdout.String(), "0 failed") })
	if err := kube.BatchV1().Jobs(testNamespace).Delete(context.Background(), testJobName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "job.batch/" + testJobName + " was deleted before it finished"
	if err := <-done; err == nil || err.Error() != want {
		t.Fatalf("runFittingJob(--wait) error = %v, want %q", err, want)
	}
}

// TestRunWaitIgnoresOtherJobs: the wait follows its own Job, not another
// one in the namespace (the fake ignores field selectors, as some proxies
// might).
func TestRunWaitIgnoresOtherJobs(t *testing.T) {
	fj := newFittingJob()
	other := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: testNamespace, UID: types.UID("other")},
		Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue},
		}},
	}
	kube, ihpa := newClients(fj, newCronJob(fj), other)
	opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix, Wait: true, Timeout: 100 * time.Millisecond}
	err := runFittingJob(context.Background(), kube, ihpa, opts, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("runFittingJob(--wait) error = %v, want a timeout: another Job's completion is not ours", err)
	}
}

// TestRunWaitForbidden: without permission to list Jobs, --wait fails at
// once rather than retrying until the timeout.
func TestRunWaitForbidden(t *testing.T) {
	fj := newFittingJob()
	kube, ihpa := newClients(fj, newCronJob(fj))
	kube.PrependReactor("list", "jobs", func(core.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(batchv1.Resource("jobs"), "", nil)
	})
	var stdout bytes.Buffer
	opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix, Wait: true, Timeout: time.Minute}
	err := runFittingJob(context.Background(), kube, ihpa, opts, &stdout, &bytes.Buffer{})
	want := "cannot follow job.batch/" + testJobName + " (it keeps running): "
	if err == nil || !strings.HasPrefix(err.Error(), want) || !apierrors.IsForbidden(err) {
		t.Fatalf("runFittingJob(--wait) error = %v, want a Forbidden error starting with %q", err, want)
	}
	if got := stdout.String(); got != "job.batch/"+testJobName+" created\n" {
		t.Errorf("stdout = %q, want only the creation", got)
	}
}

// --dry-run=client sends nothing; --dry-run=server sends the create as a
// dry run; -o prints the Job, with its kind, instead of the name.
func TestRunDryRunAndOutput(t *testing.T) {
	for _, tc := range []struct {
		dryRun     string
		wantCreate bool
		wantDryRun []string
	}{
		{dryRun: dryRunClient},
		{dryRun: dryRunServer, wantCreate: true, wantDryRun: []string{metav1.DryRunAll}},
		{dryRun: dryRunNone, wantCreate: true},
	} {
		t.Run(tc.dryRun, func(t *testing.T) {
			fj := newFittingJob()
			kube, ihpa := newClients(fj, newCronJob(fj))
			var stdout, stderr bytes.Buffer
			opts := runOptions{Name: testName, Namespace: testNamespace, Suffix: testSuffix, DryRun: tc.dryRun, Printer: &printers.JSONPrinter{}}
			if err := runFittingJob(context.Background(), kube, ihpa, opts, &stdout, &stderr); err != nil {
				t.Fatalf("runFittingJob() error = %v", err)
			}
			var creates []core.CreateActionImpl
			for _, a := range kube.Actions() {
				if a.Matches("create", "jobs") {
					creates = append(creates, a.(core.CreateActionImpl))
				}
			}
			if got := len(creates) == 1; got != tc.wantCreate || len(creates) > 1 {
				t.Fatalf("%d creates, want one: %v", len(creates), tc.wantCreate)
			}
			if tc.wantCreate {
				if diff := cmp.Diff(tc.wantDryRun, creates[0].CreateOptions.DryRun); diff != "" {
					t.Errorf("create's dryRun differs (-want +got):\n%s", diff)
				}
			}
			var job batchv1.Job
			if err := json.Unmarshal(stdout.Bytes(), &job); err != nil {
				t.Fatalf("-o json output does not parse: %v\n%s", err, stdout.String())
			}
			if job.Kind != "Job" || job.APIVersion != "batch/v1" || job.Name != testJobName {
				t.Errorf("printed %s %s %s, want batch/v1 Job %s", job.APIVersion, job.Kind, job.Name, testJobName)
			}
		})
	}
}
