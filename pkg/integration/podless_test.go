//go:build integration

package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// namedWithin is how soon a run's end, or its refusal, must be named in
// the status once it happens.
const namedWithin = 60 * time.Second

// What real clusters do to a fit, each named in status within a minute
// with its own reason: Pods the API server refuses (the Job controller
// reports those only in a FailedCreate event on the Job), a deadline, a
// run whose Job is deleted, a suspended FittingJob.
func TestRunsRealClustersStop(t *testing.T) {
	refused := []struct {
		name    string
		prepare func(t *testing.T, ns string, fj *ihpav1beta2.FittingJob)
		// inMessage must appear in the run's message: the API server's
		// own words for the refusal.
		inMessage string
	}{
		{"a ServiceAccount that does not exist", func(t *testing.T, ns string, fj *ihpav1beta2.FittingJob) {
			fj.Spec.ServiceAccountName = "ihpa-missing"
		}, `serviceaccount "ihpa-missing" not found`},
		{"a namespace that enforces Pod Security restricted", func(t *testing.T, ns string, fj *ihpav1beta2.FittingJob) {
			labelNamespace(t, ns, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
		}, "violates PodSecurity"},
		{"a ResourceQuota of no Pods", func(t *testing.T, ns string, fj *ihpav1beta2.FittingJob) {
			quota := &corev1.ResourceQuota{
				ObjectMeta: metav1.ObjectMeta{Name: "no-pods"},
				Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("0")}},
			}
			if _, err := kube.CoreV1().ResourceQuotas(ns).Create(context.Background(), quota, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			// Admission enforces a quota once its controller has
			// recorded its hard limits.
			eventually(t, 30*time.Second, "the quota to be enforced", func(ctx context.Context) (bool, error) {
				q, err := kube.CoreV1().ResourceQuotas(ns).Get(ctx, quota.Name, metav1.GetOptions{})
				return err == nil && len(q.Status.Hard) > 0, err
			})
		}, "exceeded quota"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			rc := startController(t, ns)
			fj := runFittingJob(ns, "refused", imageSucceeds, yearly)
			tc.prepare(t, ns, fj)
			fj = createFittingJob(t, fj)
			waitReady(t, ns, fj.Name)
			startRun(t, ns, fj.Name, "refused-manual")
			started := time.Now()
			fj = waitFresh(t, ns, fj.Name, namedWithin, metav1.ConditionFalse, ihpav1beta2.ReasonFitCannotStart)
			run := fj.Status.LastRun
			if run == nil || run.JobName != "refused-manual" || run.Reason != ihpav1beta2.RunReasonFailedCreate || !strings.Contains(run.Message, tc.inMessage) {
				t.Errorf("lastRun = %+v, want refused-manual FailedCreate quoting %q", run, tc.inMessage)
			}
			t.Logf("named %v after the run started: %s", time.Since(started).Round(100*time.Millisecond), run.Message)
			rc.requests.settle(t)
			if n := countEvents(t, fj, "Warning "+ihpav1beta2.EventReasonFitCannotStart); n != 1 {
				t.Errorf("%d FitCannotStart events, want 1: %v", n, eventsFor(t, fj))
			}
		})
	}

	t.Run("a deadline that is exceeded", func(t *testing.T) {
		ns := newNamespace(t)
		startController(t, ns)
		fj := runFittingJob(ns, "late", "example.com/fit:hang", yearly)
		fj.Spec.ActiveDeadlineSeconds = ptrTo[int64](3)
		fj = createFittingJob(t, fj)
		waitReady(t, ns, fj.Name)
		startRun(t, ns, fj.Name, "late-manual")
		fj = waitFresh(t, ns, fj.Name, namedWithin, metav1.ConditionFalse, ihpav1beta2.ReasonFitFailed)
		if run := fj.Status.LastRun; run == nil || run.Outcome != ihpav1beta2.RunFailed || run.Reason != "DeadlineExceeded" {
			t.Errorf("lastRun = %+v, want Failed DeadlineExceeded", run)
		}
	})

	t.Run("a stuck run whose Job is deleted", func(t *testing.T) {
		ns := newNamespace(t)
		startController(t, ns)
		fj := createFittingJob(t, runFittingJob(ns, "deleted", imageNeverPulls, yearly))
		waitReady(t, ns, fj.Name)
		startRun(t, ns, fj.Name, "deleted-manual")
		waitFresh(t, ns, fj.Name, namedWithin, metav1.ConditionFalse, ihpav1beta2.ReasonFitStuck)
		background := metav1.DeletePropagationBackground
		if err := kube.BatchV1().Jobs(ns).Delete(context.Background(), "deleted-manual", metav1.DeleteOptions{PropagationPolicy: &background}); err != nil {
			t.Fatal(err)
		}
		// No success yet, and the first scheduled run a year away: the
		// forecast is awaited again, not stuck on a run that is gone.
		fj = waitFresh(t, ns, fj.Name, namedWithin, metav1.ConditionUnknown, ihpav1beta2.ReasonAwaitingFirstFit)
		if run := fj.Status.LastRun; run == nil || run.JobName != "deleted-manual" || run.Outcome != ihpav1beta2.RunUnknown || run.Reason != ihpav1beta2.RunReasonJobGone {
			t.Errorf("lastRun = %+v, want deleted-manual Unknown JobGone", run)
		}
	})

	t.Run("a suspended FittingJob", func(t *testing.T) {
		ns := newNamespace(t)
		startController(t, ns)
		fj := runFittingJob(ns, "paused", imageSucceeds, yearly)
		fj.Spec.Suspend = ptrTo(true)
		fj = createFittingJob(t, fj)
		waitReady(t, ns, fj.Name)
		waitFresh(t, ns, fj.Name, namedWithin, metav1.ConditionFalse, ihpav1beta2.ReasonSuspended)
	})
}

// labelNamespace adds labels to namespace.
func labelNamespace(t *testing.T, namespace string, labels map[string]string) {
	t.Helper()
	ns, err := kube.CoreV1().Namespaces().Get(context.Background(), namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	for k, v := range labels {
		ns.Labels[k] = v
	}
	if _, err := kube.CoreV1().Namespaces().Update(context.Background(), ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
