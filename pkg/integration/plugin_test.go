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

	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"
)

// The plugin takes kubectl's connection flags and output formats against
// the real API server: --context picks a context of the kubeconfig (and
// its namespace), --as impersonates (and the API server's refusal names
// the user), and -o json|yaml print what parses, for a server dry run too.
func TestPluginIsKubectlNative(t *testing.T) {
	plugin, err := filepath.Abs(filepath.Join("..", "..", ".bin", "kubectl-fittingjob"))
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t)
	startController(t, ns)
	fj := createFittingJob(t, testutil.FittingJob(ns, "native"))
	waitReady(t, ns, fj.Name)

	// The admin's kubeconfig with two contexts: the current one in a
	// namespace without FittingJobs, and "team" in the test's namespace.
	kubeconfig, err := clientcmd.LoadFromFile(filepath.Join(os.Getenv("LOCALCLUSTER_DIR"), "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	current := kubeconfig.Contexts[kubeconfig.CurrentContext].DeepCopy()
	team := current.DeepCopy()
	current.Namespace, team.Namespace = "default", ns
	kubeconfig.Contexts = map[string]*clientcmdapi.Context{"elsewhere": current, "team": team}
	kubeconfig.CurrentContext = "elsewhere"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kubeconfig, path); err != nil {
		t.Fatal(err)
	}
	plug := func(args ...string) (stdout, stderr string, err error) {
		t.Helper()
		cmd := exec.Command(plugin, args...)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+path)
		var out, errs strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errs
		err = cmd.Run()
		return out.String(), errs.String(), err
	}
	jobs := func() int {
		t.Helper()
		list, err := kube.BatchV1().Jobs(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Items)
	}

	t.Run("--context", func(t *testing.T) {
		if _, stderr, err := plug("run", fj.Name, "--dry-run=server"); err == nil || !strings.Contains(stderr, "no FittingJob native in namespace default") {
			t.Errorf("in the current context: %v, %q; want no FittingJob in namespace default", err, stderr)
		}
		stdout, stderr, err := plug("run", fj.Name, "--context=team", "--dry-run=server")
		if err != nil || !strings.HasPrefix(stdout, "job.batch/native-manual-") || !strings.HasSuffix(stdout, " created (server dry run)\n") {
			t.Errorf("with --context=team: %v, stdout %q, stderr %q; want job.batch/native-manual-... created (server dry run)", err, stdout, stderr)
		}
	})

	t.Run("--as", func(t *testing.T) {
		user := "system:serviceaccount:" + ns + ":nobody"
		_, stderr, err := plug("run", fj.Name, "-n", ns, "--as="+user)
		if err == nil || !strings.Contains(stderr, `User "`+user+`" cannot get resource "fittingjobs"`) {
			t.Errorf("as %s: %v, stderr %q; want a 403 naming the user", user, err, stderr)
		}
		// The cluster admin (the kubeconfig's own user) may.
		if _, stderr, err := plug("run", fj.Name, "-n", ns, "--dry-run=server"); err != nil {
			t.Errorf("as the admin: %v, %s", err, stderr)
		}
	})

	t.Run("-o json and -o yaml", func(t *testing.T) {
		for _, tc := range []struct {
			args      []string
			unmarshal func([]byte, any) error
		}{
			{[]string{"--dry-run=server", "-o", "json"}, json.Unmarshal},
			{[]string{"--dry-run=server", "-o", "yaml"}, func(b []byte, v any) error { return yaml.UnmarshalStrict(b, v) }},
			{[]string{"--dry-run=client", "-o", "yaml"}, func(b []byte, v any) error { return yaml.UnmarshalStrict(b, v) }},
		} {
			stdout, stderr, err := plug(append([]string{"run", fj.Name, "--context=team"}, tc.args...)...)
			if err != nil {
				t.Errorf("%q: %v, %s", tc.args, err, stderr)
				continue
			}
			var job batchv1.Job
			if err := tc.unmarshal([]byte(stdout), &job); err != nil {
				t.Errorf("%q printed what does not parse: %v\n%s", tc.args, err, stdout)
				continue
			}
			if job.Kind != "Job" || !strings.HasPrefix(job.Name, "native-manual-") || job.Namespace != ns {
				t.Errorf("%q printed %s %s/%s, want a Job native-manual-... in %s", tc.args, job.Kind, job.Namespace, job.Name, ns)
			}
			// Only the API server sets a UID, even in a dry run.
			if server := strings.Contains(strings.Join(tc.args, " "), "server"); server != (job.UID != "") {
				t.Errorf("%q printed a Job with uid %q", tc.args, job.UID)
			}
		}
		if n := jobs(); n != 0 {
			t.Errorf("%d Jobs exist after dry runs only, want 0", n)
		}
	})

	t.Run("-o name creates the Job", func(t *testing.T) {
		stdout, stderr, err := plug("run", fj.Name, "--context=team", "-o", "name")
		if err != nil || !strings.HasPrefix(stdout, "job.batch/native-manual-") {
			t.Fatalf("%v, stdout %q, stderr %q", err, stdout, stderr)
		}
		name := strings.TrimPrefix(strings.TrimSpace(stdout), "job.batch/")
		if _, err := kube.BatchV1().Jobs(ns).Get(context.Background(), name, metav1.GetOptions{}); err != nil {
			t.Errorf("the Job the plugin printed: %v", err)
		}
	})
}
