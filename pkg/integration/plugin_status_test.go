//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// plugin runs the built kubectl-fittingjob with the local control plane's
// admin kubeconfig.
func plugin(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	binary, err := filepath.Abs(filepath.Join("..", "..", ".bin", "kubectl-fittingjob"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(os.Getenv("LOCALCLUSTER_DIR"), "kubeconfig"))
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	err = cmd.Run()
	return out.String(), errs.String(), err
}

// On a failing fit, status shows the FitFailed condition, the failed run
// and its Pod's exit code, to a user who holds only the view role; -o json
// prints the FittingJob and the Job.
func TestPluginStatusOnAFailingFit(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := createFittingJob(t, runFittingJob(ns, "failing", imageFails, yearly))
	waitReady(t, ns, fj.Name)

	if stdout, stderr, err := plugin(t, "run", fj.Name, "-n", ns, "--wait", "--timeout=60s"); err == nil || !strings.Contains(stderr, "failed: BackoffLimitExceeded") {
		t.Fatalf("run --wait: %v, stdout %q, stderr %q; want a failed Job", err, stdout, stderr)
	}
	waitFresh(t, ns, fj.Name, 30*time.Second, metav1.ConditionFalse, ihpav1beta2.ReasonFitFailed)

	// A user with the built-in view role in the namespace, and nothing else.
	viewer := "viewer@example.com"
	if _, err := kube.RbacV1().RoleBindings(ns).Create(context.Background(), &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "viewer"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: viewer}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr string
	var err error
	// RBAC caches take a moment to see the binding.
	eventually(t, 10*time.Second, "status as a viewer", func(context.Context) (bool, error) {
		stdout, stderr, err = plugin(t, "status", fj.Name, "-n", ns, "--as="+viewer)
		return err == nil, nil
	})
	t.Logf("kubectl fittingjob status %s:\n%s", fj.Name, stdout)
	for _, want := range []string{
		"ForecastFresh:  False (FitFailed)",
		"Schedule:       " + yearly + "\n",
		"Next run:       " + time.Date(time.Now().UTC().Year()+1, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339),
		"Last run:       job.batch/failing-manual-",
		"  Reason:       BackoffLimitExceeded\n",
		"container fittingjob terminated: Error, exit code 1",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("status does not say %q", want)
		}
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
	// The recent Jobs: the failed run, one line.
	var jobLines []string
	for line := range strings.Lines(stdout) {
		if f := strings.Fields(line); len(f) == 4 && strings.HasPrefix(f[0], "failing-manual-") {
			jobLines = append(jobLines, f[1]+" "+f[2])
		}
	}
	if got := strings.Join(jobLines, "; "); got != "Failed BackoffLimitExceeded" {
		t.Errorf("recent Jobs: %q, want one Failed BackoffLimitExceeded", got)
	}

	stdout, stderr, err = plugin(t, "status", fj.Name, "-n", ns, "-o", "json")
	if err != nil {
		t.Fatalf("status -o json: %v, %s", err, stderr)
	}
	var list struct {
		Kind  string
		Items []struct{ Kind string }
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatalf("status -o json printed what does not parse: %v\n%s", err, stdout)
	}
	var kinds []string
	for _, item := range list.Items {
		kinds = append(kinds, item.Kind)
	}
	if got := strings.Join(kinds, ","); list.Kind != "List" || got != "FittingJob,Job,Pod" {
		t.Errorf("status -o json printed a %s of %s, want a List of FittingJob,Job,Pod", list.Kind, got)
	}
}

// suspend and resume patch spec.suspend, which the controller passes on to
// the CronJob; a server dry run changes nothing.
func TestPluginSuspendResume(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := createFittingJob(t, runFittingJob(ns, "pausable", imageSucceeds, yearly))
	waitReady(t, ns, fj.Name)
	suspended := func(ctx context.Context) (fjSuspended, cjSuspended bool) {
		got, err := ihpa.IhpaV1beta2().FittingJobs(ns).Get(ctx, fj.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cj := getCronJob(t, ns, fj.Name)
		return got.Spec.Suspend != nil && *got.Spec.Suspend, cj.Spec.Suspend != nil && *cj.Spec.Suspend
	}

	stdout, stderr, err := plugin(t, "suspend", fj.Name, "-n", ns, "--dry-run=server")
	if want := "fittingjob.ihpa.ake.cyberagent.co.jp/pausable suspended (server dry run)\n"; err != nil || stdout != want {
		t.Errorf("suspend --dry-run=server: %v, stdout %q, stderr %q; want %q", err, stdout, stderr, want)
	}
	if f, _ := suspended(context.Background()); f {
		t.Errorf("a server dry run suspended the FittingJob")
	}

	for _, tc := range []struct {
		verb string
		want bool
	}{{"suspend", true}, {"resume", false}} {
		stdout, stderr, err := plugin(t, tc.verb, fj.Name, "-n", ns)
		want := "fittingjob.ihpa.ake.cyberagent.co.jp/pausable " + map[bool]string{true: "suspended", false: "resumed"}[tc.want] + "\n"
		if err != nil || stdout != want {
			t.Errorf("%s: %v, stdout %q, stderr %q; want %q", tc.verb, err, stdout, stderr, want)
		}
		eventually(t, 30*time.Second, "the FittingJob and its CronJob after "+tc.verb, func(ctx context.Context) (bool, error) {
			f, c := suspended(ctx)
			return f == tc.want && c == tc.want, nil
		})
		status, stderr, err := plugin(t, "status", fj.Name, "-n", ns)
		if suspendedLine := strings.Contains(status, "Next run:       none: suspended"); err != nil || suspendedLine != tc.want {
			t.Errorf("status after %s: %v, %s; stdout:\n%s", tc.verb, err, stderr, status)
		}
	}
}
