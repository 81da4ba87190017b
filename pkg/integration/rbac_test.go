//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// Namespace users get FittingJobs through Kubernetes' built-in user-facing
// roles, bound in one namespace with a RoleBinding: the aggregated
// ClusterRoles of manifests/crd extend view, edit and admin.
func TestBuiltInRolesCoverFittingJobs(t *testing.T) {
	ns, elsewhere := newNamespace(t), newNamespace(t)
	const viewer, editor, administrator = "fj-viewer", "fj-editor", "fj-admin"
	rbacBind(t, ns, "view", viewer)
	rbacBind(t, ns, "edit", editor)
	rbacBind(t, ns, "admin", administrator)

	// What each role may do with FittingJobs in ns, as the API server's
	// authorizer decides it. Aggregation is asynchronous (the
	// clusterrole-aggregation controller of kube-controller-manager), so
	// wait for the first grant before judging the rest.
	rbacWaitAllowed(t, editor, ns, "create", "fittingjobs")
	for _, tc := range []struct {
		user, verb, resource string
		allowed              bool
	}{
		{viewer, "get", "fittingjobs", true},
		{viewer, "list", "fittingjobs", true},
		{viewer, "watch", "fittingjobs", true},
		{viewer, "get", "fittingjobs/status", true},
		{viewer, "create", "fittingjobs", false},
		{viewer, "update", "fittingjobs", false},
		{viewer, "delete", "fittingjobs", false},
		{editor, "get", "fittingjobs", true},
		{editor, "list", "fittingjobs", true},
		{editor, "create", "fittingjobs", true},
		{editor, "update", "fittingjobs", true},
		{editor, "patch", "fittingjobs", true},
		{editor, "delete", "fittingjobs", true},
		{editor, "deletecollection", "fittingjobs", true},
		// The controller owns the status.
		{editor, "update", "fittingjobs/status", false},
		{administrator, "list", "fittingjobs", true},
		{administrator, "create", "fittingjobs", true},
		{administrator, "delete", "fittingjobs", true},
		{administrator, "update", "fittingjobs/status", false},
	} {
		if got := rbacAllowed(t, tc.user, ns, tc.verb, tc.resource); got != tc.allowed {
			t.Errorf("%s may %s %s in its namespace: %v, want %v", tc.user, tc.verb, tc.resource, got, tc.allowed)
		}
	}

	// The same through real requests.
	ctx := context.Background()
	asEditor, asViewer := rbacClientAs(t, editor), rbacClientAs(t, viewer)
	created, err := asEditor.IhpaV1beta2().FittingJobs(ns).Create(ctx, testutil.FittingJob(ns, "by-editor"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("edit user creating a FittingJob: %v", err)
	}
	list, err := asEditor.IhpaV1beta2().FittingJobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.Items[0].Name != created.Name {
		t.Errorf("edit user listing FittingJobs: %v, %d items, want [%s]", err, len(list.Items), created.Name)
	}
	if _, err := asEditor.IhpaV1beta2().FittingJobs(ns).Patch(ctx, created.Name, types.MergePatchType,
		[]byte(`{"spec":{"executeOn":5}}`), metav1.PatchOptions{}); err != nil {
		t.Errorf("edit user patching a FittingJob: %v", err)
	}
	if _, err := asEditor.IhpaV1beta2().FittingJobs(elsewhere).Create(ctx, testutil.FittingJob(elsewhere, "by-editor"), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("edit user creating a FittingJob in a namespace it is not bound in: %v, want Forbidden", err)
	}

	if got, err := asViewer.IhpaV1beta2().FittingJobs(ns).Get(ctx, created.Name, metav1.GetOptions{}); err != nil || got.UID != created.UID {
		t.Errorf("view user getting the FittingJob: %v", err)
	}
	if _, err := asViewer.IhpaV1beta2().FittingJobs(ns).List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("view user listing FittingJobs: %v", err)
	}
	if _, err := asViewer.IhpaV1beta2().FittingJobs(ns).Create(ctx, testutil.FittingJob(ns, "by-viewer"), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("view user creating a FittingJob: %v, want Forbidden", err)
	}
	if err := asViewer.IhpaV1beta2().FittingJobs(ns).Delete(ctx, created.Name, metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("view user deleting a FittingJob: %v, want Forbidden", err)
	}
}

// An edit user starts a fit with the plugin: the aggregated view rules let
// it read the FittingJob, and the built-in edit role covers the CronJob and
// the Job. A view user cannot.
func TestEditUserRunsAFitWithThePlugin(t *testing.T) {
	plugin, err := filepath.Abs(filepath.Join("..", "..", ".bin", "kubectl-fittingjob"))
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t)
	const viewer, editor = "fj-run-viewer", "fj-run-editor"
	rbacBind(t, ns, "view", viewer)
	rbacBind(t, ns, "edit", editor)
	rbacWaitAllowed(t, editor, ns, "get", "fittingjobs")
	startController(t, ns)
	fj := createFittingJob(t, testutil.FittingJob(ns, "run-by-editor"))
	waitReady(t, ns, fj.Name)

	run := func(user string) (string, error) {
		cmd := exec.Command(plugin, "run", fj.Name, "-n", ns)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+rbacKubeconfigAs(t, user))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(viewer); err == nil {
		t.Errorf("view user ran a fit:\n%s", out)
	}
	if out, err := run(editor); err != nil {
		t.Fatalf("edit user running a fit: %v\n%s", err, out)
	}
	jobs, err := kube.BatchV1().Jobs(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs.Items) != 1 {
		t.Fatalf("%d Jobs after one run by the edit user and one refused to the view user, want 1", len(jobs.Items))
	}
	if owner := metav1.GetControllerOf(&jobs.Items[0]); owner == nil || owner.Kind != "CronJob" || owner.Name != fj.Name {
		t.Errorf("the Job's controller = %+v, want CronJob %s", owner, fj.Name)
	}
}

// rbacBind binds user to the built-in ClusterRole role in namespace only.
func rbacBind(t *testing.T, namespace, role, user string) {
	t.Helper()
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: user + "-" + role},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	if _, err := kube.RbacV1().RoleBindings(namespace).Create(context.Background(), binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// rbacAllowed asks the API server's authorizer whether user may verb
// resource ("fittingjobs" or "fittingjobs/status") in namespace.
func rbacAllowed(t *testing.T, user, namespace, verb, resource string) bool {
	t.Helper()
	resource, subresource, _ := strings.Cut(resource, "/")
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: namespace, Verb: verb,
			Group: "ihpa.ake.cyberagent.co.jp", Resource: resource, Subresource: subresource,
		},
	}}
	got, err := kube.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), review, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got.Status.Allowed
}

func rbacWaitAllowed(t *testing.T, user, namespace, verb, resource string) {
	t.Helper()
	eventually(t, 30*time.Second,
		fmt.Sprintf("%s to be allowed to %s %s (is kube-controller-manager's clusterrole-aggregation controller running?)", user, verb, resource),
		func(context.Context) (bool, error) { return rbacAllowed(t, user, namespace, verb, resource), nil })
}

// rbacClientAs is a FittingJob client that impersonates user.
func rbacClientAs(t *testing.T, user string) clientset.Interface {
	t.Helper()
	config := rest.CopyConfig(adminConfig)
	config.Impersonate = rest.ImpersonationConfig{UserName: user}
	return clientset.NewForConfigOrDie(config)
}

// rbacKubeconfigAs writes a kubeconfig that impersonates user, for tools
// that read a kubeconfig and nothing else.
func rbacKubeconfigAs(t *testing.T, user string) string {
	t.Helper()
	config, err := clientcmd.LoadFromFile(filepath.Join(os.Getenv("LOCALCLUSTER_DIR"), "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range config.AuthInfos {
		auth.Impersonate = user
	}
	path := filepath.Join(t.TempDir(), user+".kubeconfig")
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		t.Fatal(err)
	}
	return path
}
