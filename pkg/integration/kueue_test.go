//go:build integration

package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/intelligent-hpa/fittingjob-controller/cmd/fittingjob-controller/app"
	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/controller"
)

var (
	clusterQueues  = schema.GroupVersionResource{Group: controller.KueueGroup, Version: "v1beta2", Resource: "clusterqueues"}
	localQueues    = schema.GroupVersionResource{Group: controller.KueueGroup, Version: "v1beta2", Resource: "localqueues"}
	resourceFlavor = schema.GroupVersionResource{Group: controller.KueueGroup, Version: "v1beta2", Resource: "resourceflavors"}
)

// kueueQueue makes, for namespace, a ClusterQueue that admits at most pods
// fitting Pods at once and a LocalQueue "fits" pointing at it, as
// manifests/samples/kueue does, and removes them when the test ends. The
// local control plane must run Kueue (localcluster --kueue, as make
// integration-test does).
func kueueQueue(t testing.TB, namespace string, pods int) {
	t.Helper()
	requireKueue(t)
	client := dynamic.NewForConfigOrDie(adminConfig)
	ctx := context.Background()
	create := func(resource schema.GroupVersionResource, namespace string, obj map[string]any) {
		t.Helper()
		u := &unstructured.Unstructured{Object: obj}
		u.SetAPIVersion(resource.GroupVersion().String())
		var err error
		if namespace == "" {
			_, err = client.Resource(resource).Create(ctx, u, metav1.CreateOptions{})
		} else {
			_, err = client.Resource(resource).Namespace(namespace).Create(ctx, u, metav1.CreateOptions{})
		}
		if err != nil {
			t.Fatalf("creating %s %s: %v", u.GetKind(), u.GetName(), err)
		}
		t.Cleanup(func() {
			_ = client.Resource(resource).Namespace(namespace).Delete(context.Background(), u.GetName(), metav1.DeleteOptions{})
		})
	}
	// One flavor serves every test; it may exist already.
	flavor := &unstructured.Unstructured{Object: map[string]any{"kind": "ResourceFlavor", "metadata": map[string]any{"name": "default-flavor"}}}
	flavor.SetAPIVersion(resourceFlavor.GroupVersion().String())
	if _, err := client.Resource(resourceFlavor).Create(ctx, flavor, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating the ResourceFlavor: %v", err)
	}
	create(clusterQueues, "", map[string]any{
		"kind":     "ClusterQueue",
		"metadata": map[string]any{"name": namespace},
		"spec": map[string]any{
			"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": namespace}},
			"resourceGroups": []any{map[string]any{
				"coveredResources": []any{"cpu", "memory", "pods"},
				"flavors": []any{map[string]any{"name": "default-flavor", "resources": []any{
					map[string]any{"name": "cpu", "nominalQuota": "1000"},
					map[string]any{"name": "memory", "nominalQuota": "1Ti"},
					map[string]any{"name": "pods", "nominalQuota": fmt.Sprint(pods)},
				}}},
			}},
		},
	})
	create(localQueues, namespace, map[string]any{
		"kind":     "LocalQueue",
		"metadata": map[string]any{"name": "fits", "namespace": namespace},
		"spec":     map[string]any{"clusterQueue": namespace},
	})
}

// requireKueue fails the test unless the local control plane runs Kueue.
func requireKueue(t testing.TB) {
	t.Helper()
	if _, served, err := controller.WorkloadsResource(kube.Discovery()); err != nil || !served {
		t.Fatalf("Kueue's API is not served (%v): run the integration tests as make integration-test does, with localcluster --kueue", err)
	}
}

// podCount follows the Pods of a namespace and keeps the largest number
// that existed unfinished at once.
type podCount struct {
	mu      sync.Mutex
	running map[string]bool
	most    int
}

func (p *podCount) observe(event watch.Event) {
	pod, ok := event.Object.(*corev1.Pod)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	unfinished := event.Type != watch.Deleted && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
	if unfinished {
		p.running[pod.Name] = true
	} else {
		delete(p.running, pod.Name)
	}
	p.most = max(p.most, len(p.running))
}

// 12 fits started at once into a queue that admits 3: never more than 3
// fitting Pods exist at any moment, all 12 succeed, and the fits that
// waited for others reported Queued, with Kueue's reason, first.
func TestKueueRunsAtMostKFitsAtOnce(t *testing.T) {
	const fits, admitted = 12, 3
	ns := newNamespace(t)
	kueueQueue(t, ns, admitted)
	startController(t, ns)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pods := &podCount{running: map[string]bool{}}
	podWatch, err := kube.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer podWatch.Stop()
	go func() {
		for event := range podWatch.ResultChan() {
			pods.observe(event)
		}
	}()
	// What each FittingJob's status said of its run, in order.
	var mu sync.Mutex
	said := map[string][]ihpav1beta2.LastRun{}
	fjWatch, err := ihpa.IhpaV1beta2().FittingJobs(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fjWatch.Stop()
	go func() {
		for event := range fjWatch.ResultChan() {
			if fj, ok := event.Object.(*ihpav1beta2.FittingJob); ok && fj.Status.LastRun != nil {
				mu.Lock()
				runs := said[fj.Name]
				if len(runs) == 0 || runs[len(runs)-1] != *fj.Status.LastRun {
					said[fj.Name] = append(runs, *fj.Status.LastRun)
				}
				mu.Unlock()
			}
		}
	}()
	// The order in which Kueue started the Jobs (unsuspended them).
	var startedOrder []string
	jobWatch, err := kube.BatchV1().Jobs(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer jobWatch.Stop()
	go func() {
		seen := map[string]bool{}
		for event := range jobWatch.ResultChan() {
			if job, ok := event.Object.(*batchv1.Job); ok && job.Spec.Suspend != nil && !*job.Spec.Suspend && !seen[job.Name] {
				seen[job.Name] = true
				mu.Lock()
				startedOrder = append(startedOrder, job.Labels[ihpav1beta2.FittingJobNameLabel])
				mu.Unlock()
			}
		}
	}()

	for i := range fits {
		fj := runFittingJob(ns, fmt.Sprintf("queued-%02d", i), imageSucceeds, yearly)
		fj.Spec.QueueName = "fits"
		createFittingJob(t, fj)
	}
	for i := range fits {
		waitReady(t, ns, fmt.Sprintf("queued-%02d", i))
	}
	for i := range fits {
		name := fmt.Sprintf("queued-%02d", i)
		job := startRun(t, ns, name, name+"-manual")
		if job.Spec.Suspend == nil || !*job.Spec.Suspend || job.Labels[ihpav1beta2.KueueQueueLabel] != "fits" {
			t.Fatalf("Job %s was created with suspend %v and labels %v, want suspended and queued to fits", job.Name, job.Spec.Suspend, job.Labels)
		}
	}
	for i := range fits {
		waitFresh(t, ns, fmt.Sprintf("queued-%02d", i), 3*time.Minute, metav1.ConditionTrue, ihpav1beta2.ReasonFitSucceeded)
	}

	pods.mu.Lock()
	most := pods.most
	pods.mu.Unlock()
	t.Logf("at most %d fitting Pods existed unfinished at once", most)
	if most > admitted {
		t.Errorf("%d fitting Pods existed unfinished at once, want at most %d", most, admitted)
	}
	if most == 0 {
		t.Error("no fitting Pod was seen")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(startedOrder) != fits {
		t.Fatalf("Kueue started %d Jobs (%v), want %d", len(startedOrder), startedOrder, fits)
	}
	// The Jobs Kueue started after the first three waited for room.
	for _, name := range startedOrder[admitted:] {
		runs := said[name]
		var queued *ihpav1beta2.LastRun
		for i := range runs {
			if runs[i].Outcome == ihpav1beta2.RunQueued {
				queued = &runs[i]
				break
			}
		}
		if queued == nil {
			t.Errorf("%s waited for Kueue but its status never said Queued: %+v", name, runs)
			continue
		}
		if queued.Reason != "Pending" && queued.Reason != ihpav1beta2.RunReasonNoWorkload {
			t.Errorf("%s was Queued with reason %s (%s), want Kueue's Pending", name, queued.Reason, queued.Message)
		}
		if last := runs[len(runs)-1]; last.Outcome != ihpav1beta2.RunSucceeded {
			t.Errorf("%s's last run is %s, want Succeeded", name, last.Outcome)
		}
	}
	last := said[startedOrder[fits-1]]
	t.Logf("the last fit Kueue started reported, in order: %+v", last)
}

// A controller whose RBAC predates Workloads (an upgrade that kept the old
// ClusterRole) still runs every FittingJob, and a queued run says that the
// controller may not read Kueue's Workloads, quoting the refusal, instead
// of the controller never starting for want of a Workload cache.
func TestQueuedRunsWhenWorkloadsCannotBeListed(t *testing.T) {
	ns := newNamespace(t)
	requireKueue(t)
	ctx := context.Background()

	// The shipped ClusterRole without its Workloads rule, bound to a
	// ServiceAccount of the test.
	shipped, err := kube.RbacV1().ClusterRoles().Get(ctx, "fittingjob-controller", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: ns + "-without-workloads"}}
	for _, rule := range shipped.Rules {
		if !slices.Contains(rule.APIGroups, controller.KueueGroup) {
			old.Rules = append(old.Rules, rule)
		}
	}
	if len(old.Rules) != len(shipped.Rules)-1 {
		t.Fatalf("the shipped ClusterRole has %d rules for %s, want 1", len(shipped.Rules)-len(old.Rules), controller.KueueGroup)
	}
	if _, err := kube.RbacV1().ClusterRoles().Create(ctx, old, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kube.RbacV1().ClusterRoles().Delete(context.Background(), old.Name, metav1.DeleteOptions{})
	})
	if _, err := kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "old-rbac"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: old.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: old.Name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: ns, Name: "old-rbac"}},
	}
	if _, err := kube.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kube.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})

	// RBAC caches take a moment to see the binding.
	eventually(t, 10*time.Second, "the old RBAC to apply", func(ctx context.Context) (bool, error) {
		review, err := kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:               "system:serviceaccount:" + ns + ":old-rbac",
			ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: "list", Group: "batch", Resource: "cronjobs"},
		}}, metav1.CreateOptions{})
		return err == nil && review.Status.Allowed, err
	})
	rc := startController(t, ns, func(o *app.Options) {
		o.RestConfig = rest.CopyConfig(o.RestConfig)
		o.RestConfig.Impersonate.UserName = "system:serviceaccount:" + ns + ":old-rbac"
	})
	// Run before the controller is stopped: the one refusal is the list of
	// Workloads at start.
	t.Cleanup(func() {
		for _, forbidden := range rc.requests.forgiveForbidden() {
			if !strings.Contains(forbidden, "/apis/kueue.x-k8s.io/") {
				t.Errorf("the API server also refused %s", forbidden)
			}
		}
	})

	// A LocalQueue that does not exist: Kueue never admits the run, which
	// stays queued.
	fj := runFittingJob(ns, "queued", imageSucceeds, yearly)
	fj.Spec.QueueName = "no-such-queue"
	createFittingJob(t, fj)
	waitReady(t, ns, fj.Name)
	startRun(t, ns, fj.Name, fj.Name+"-manual")
	var run *ihpav1beta2.LastRun
	eventually(t, 30*time.Second, "the run to be reported", func(ctx context.Context) (bool, error) {
		got, err := ihpa.IhpaV1beta2().FittingJobs(ns).Get(ctx, fj.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		run = got.Status.LastRun
		return run != nil && run.Reason == ihpav1beta2.RunReasonKueueNotWatched, nil
	})
	t.Logf("lastRun: %s %s: %s", run.Outcome, run.Reason, run.Message)
	if run.Outcome != ihpav1beta2.RunQueued || !strings.Contains(run.Message, `cannot list resource "workloads" in API group "kueue.x-k8s.io"`) {
		t.Errorf("lastRun = %s %s (%s), want Queued, quoting the refusal", run.Outcome, run.Reason, run.Message)
	}
}
