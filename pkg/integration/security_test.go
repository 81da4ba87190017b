//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// enforceRestricted is the namespace label with which the API server's
// Pod Security admission refuses every Pod that breaks the "restricted"
// standard.
const enforceRestricted = `{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"restricted"}}}`

// newRestrictedNamespace is a namespace for one test that enforces Pod
// Security "restricted".
func newRestrictedNamespace(t *testing.T) string {
	t.Helper()
	ns := newNamespace(t)
	if _, err := kube.CoreV1().Namespaces().Patch(context.Background(), ns, types.MergePatchType, []byte(enforceRestricted), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	return ns
}

// restrictedRunFittingJob is a FittingJob whose fits succeed on the local
// control plane and pass "restricted" (the setting of
// manifests/samples/restricted/), with the options applied after.
func restrictedRunFittingJob(namespace, name string, options ...testutil.Option) *ihpav1beta2.FittingJob {
	fj := runFittingJob(namespace, name, imageSucceeds, yearly)
	testutil.WithRestrictedSecurityContext()(fj)
	for _, option := range options {
		option(fj)
	}
	return fj
}

// podSecurityVerdict creates, server-side dry-run, a Pod from the job
// template of fj's CronJob in fj's namespace, as the Job controller would
// at a run, and returns the API server's answer. Pod Security admission
// judges it by the namespace's labels as its cache has them, and the
// namespace's default ServiceAccount comes a moment after the namespace:
// it retries until Pod Security is what answers, or the Pod is admitted.
func podSecurityVerdict(t *testing.T, fj *ihpav1beta2.FittingJob, wantRefused bool) error {
	t.Helper()
	cj := getCronJob(t, fj.Namespace, generator.CronJobName(fj))
	template := cj.Spec.JobTemplate.Spec.Template
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fj.Name + "-verdict", Namespace: fj.Namespace, Labels: template.Labels},
		Spec:       template.Spec,
	}
	var verdict error
	eventually(t, 30*time.Second, fmt.Sprintf("Pod Security's verdict on a Pod of %s (refused: %v)", fj.Name, wantRefused), func(ctx context.Context) (bool, error) {
		_, verdict = kube.CoreV1().Pods(fj.Namespace).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		refusedByPodSecurity := apierrors.IsForbidden(verdict) && strings.Contains(verdict.Error(), `violates PodSecurity "restricted`)
		return refusedByPodSecurity == wantRefused && (wantRefused || verdict == nil), nil
	})
	return verdict
}

// waitRunPod waits until the Job's Pod has run (Running or Succeeded) and
// returns it.
func waitRunPod(t *testing.T, namespace, job string) *corev1.Pod {
	t.Helper()
	var pod *corev1.Pod
	eventually(t, 60*time.Second, "a running Pod of Job "+job, func(ctx context.Context) (bool, error) {
		pods, err := kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
		if err != nil {
			return false, err
		}
		for i := range pods.Items {
			if p := &pods.Items[i]; p.Status.Phase == corev1.PodRunning || p.Status.Phase == corev1.PodSucceeded {
				pod = p
				return true, nil
			}
		}
		return false, nil
	})
	return pod
}

// In a namespace that enforces Pod Security "restricted", a FittingJob
// with the documented setting runs; the same FittingJob without it is
// refused there; and a Datadog FittingJob with keysFrom runs too, its
// init container passing on its own.
func TestRestrictedNamespaceRunsFits(t *testing.T) {
	ns := newRestrictedNamespace(t)
	startController(t, ns)

	t.Run("the restricted setting runs", func(t *testing.T) {
		fj := createFittingJob(t, restrictedRunFittingJob(ns, "restricted"))
		waitReady(t, ns, fj.Name)
		if err := podSecurityVerdict(t, fj, false); err != nil {
			t.Fatalf("a Pod of the restricted FittingJob is refused: %v", err)
		}
		job := startRun(t, ns, fj.Name, "restricted-run")
		pod := waitRunPod(t, ns, job.Name)
		if pod.Spec.SecurityContext == nil || pod.Spec.SecurityContext.RunAsNonRoot == nil || !*pod.Spec.SecurityContext.RunAsNonRoot {
			t.Errorf("the Pod's securityContext is %+v, want the FittingJob's", pod.Spec.SecurityContext)
		}
		waitFresh(t, ns, fj.Name, 60*time.Second, metav1.ConditionTrue, ihpav1beta2.ReasonFitSucceeded)
	})

	t.Run("without it, Pod Security refuses the fits", func(t *testing.T) {
		fj := restrictedRunFittingJob(ns, "unrestricted")
		fj.Spec.PodSecurityContext, fj.Spec.SecurityContext = nil, nil
		fj = createFittingJob(t, fj)
		waitReady(t, ns, fj.Name)
		err := podSecurityVerdict(t, fj, true)
		t.Logf("the API server: %v", err)
		if !strings.Contains(err.Error(), `container "fittingjob"`) {
			t.Errorf("the refusal does not name the fitting container: %v", err)
		}
	})

	t.Run("keysFrom: the init container passes too", func(t *testing.T) {
		if _, err := kube.CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "datadog-keys"},
			StringData: map[string]string{"DD_API_KEY": "api-key", "DD_APP_KEY": "app-key"},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		fj := createFittingJob(t, restrictedRunFittingJob(ns, "keys", testutil.WithDatadogKeysFrom("datadog-keys")))
		waitReady(t, ns, fj.Name)
		// The keys are nowhere the controller writes.
		cm := getConfigMap(t, ns, generator.ConfigMapName(fj))
		cj, err := json.Marshal(getCronJob(t, ns, generator.CronJobName(fj)))
		if err != nil {
			t.Fatal(err)
		}
		for _, written := range []string{cm.Data[generator.ConfigKey], string(cj)} {
			if strings.Contains(written, "api-key") || strings.Contains(written, "app-key") {
				t.Errorf("a key is in a child: %s", written)
			}
		}
		if !strings.HasPrefix(cm.Data[generator.ConfigKey], `{"provider":{"datadog":{"apikey":"","appkey":""}},`) {
			t.Errorf("config.json = %s, want blank keys first", cm.Data[generator.ConfigKey])
		}
		job := startRun(t, ns, fj.Name, "keys-run")
		pod := waitRunPod(t, ns, job.Name)
		if len(pod.Spec.InitContainers) != 1 || pod.Spec.InitContainers[0].Name != generator.KeysContainerName {
			t.Errorf("the Pod's init containers are %+v, want %s", pod.Spec.InitContainers, generator.KeysContainerName)
		}
		waitFresh(t, ns, fj.Name, 60*time.Second, metav1.ConditionTrue, ihpav1beta2.ReasonFitSucceeded)

		// Without the setting, Pod Security names the fitting container
		// alone: the init container's own security context passes.
		bare := restrictedRunFittingJob(ns, "keys-unrestricted", testutil.WithDatadogKeysFrom("datadog-keys"))
		bare.Spec.PodSecurityContext, bare.Spec.SecurityContext = nil, nil
		bare = createFittingJob(t, bare)
		waitReady(t, ns, bare.Name)
		err = podSecurityVerdict(t, bare, true)
		if strings.Contains(err.Error(), generator.KeysContainerName) {
			t.Errorf("Pod Security refuses the init container: %v", err)
		}
	})
}
