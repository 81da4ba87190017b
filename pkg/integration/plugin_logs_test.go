//go:build integration

package integration

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// imageHangs makes kwok keep the fit's container running (hack/cluster).
const imageHangs = "example.com/fit:hang"

// podLog is the file the local control plane's kwok serves as the log of
// every container (hack/cluster).
func podLog(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LOCALCLUSTER_DIR")
	if dir == "" {
		t.Fatal("LOCALCLUSTER_DIR is not set: run the integration tests through localcluster")
	}
	return filepath.Join(dir, "pod.log")
}

// appendLog adds a line to every container's log, in the CRI log format
// kwok reads.
func appendLog(t *testing.T, line string) {
	t.Helper()
	f, err := os.OpenFile(podLog(t), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(time.Now().UTC().Format(time.RFC3339Nano) + " stdout F " + line + "\n"); err != nil {
		t.Fatal(err)
	}
}

// logs prints the last run's log through the API server (pods/log, which
// kwok serves as the kubelet would); -f follows it while the fit runs.
func TestPluginLogsOfTheLastRun(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := createFittingJob(t, runFittingJob(ns, "logged", imageHangs, yearly))
	waitReady(t, ns, fj.Name)

	if _, stderr, err := plugin(t, "logs", fj.Name, "-n", ns); err == nil || !strings.Contains(stderr, "has no run yet") {
		t.Errorf("logs before any run: %v, stderr %q; want an error saying there is no run yet", err, stderr)
	}
	if _, stderr, err := plugin(t, "run", fj.Name, "-n", ns); err != nil {
		t.Fatalf("run: %v, %s", err, stderr)
	}
	marker := "fit of " + ns + " started"
	appendLog(t, marker)
	var stdout string
	var err error
	// The Job's Pod is created, scheduled and started within seconds;
	// until its container runs, its log is empty or refused.
	eventually(t, 30*time.Second, "logs of the running fit to show "+marker, func(context.Context) (bool, error) {
		stdout, _, err = plugin(t, "logs", fj.Name, "-n", ns)
		return err == nil && strings.Contains(stdout, marker), nil
	})

	// -f keeps printing what the container writes until it is stopped.
	binary, _ := filepath.Abs(filepath.Join("..", "..", ".bin", "kubectl-fittingjob"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	follow := exec.CommandContext(ctx, binary, "logs", fj.Name, "-n", ns, "-f")
	follow.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(os.Getenv("LOCALCLUSTER_DIR"), "kubeconfig"))
	out, err := follow.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = follow.Wait() }()
	defer cancel()
	lines := bufio.NewScanner(out)
	waitLine := func(want string) {
		t.Helper()
		for lines.Scan() {
			if lines.Text() == want {
				return
			}
		}
		t.Fatalf("logs -f ended (%v) before printing %q", lines.Err(), want)
	}
	waitLine(marker)
	later := "written while " + ns + " was followed"
	appendLog(t, later)
	waitLine(later)
}

// version prints the plugin's version and the installed controller's, and
// says why when the user may not see the controller.
func TestPluginVersion(t *testing.T) {
	stdout, stderr, err := plugin(t, "version")
	if err != nil {
		t.Fatalf("version: %v, %s", err, stderr)
	}
	t.Logf("kubectl fittingjob version:\n%s", stdout)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "kubectl-fittingjob ") {
		t.Fatalf("version printed %q, want the plugin's version and then the controller's", stdout)
	}
	// hack/integration.sh installs manifests/, whose Deployment runs the
	// released image.
	want := "controller: v0.1.0 (deployment.apps/fittingjob-controller in fittingjob-system, image ghcr.io/intelligent-hpa/fittingjob-controller:v0.1.0)"
	if !strings.Contains(stdout, want) {
		t.Errorf("version does not say %q", want)
	}

	stdout, stderr, err = plugin(t, "version", "--as=nobody@example.com")
	if err != nil {
		t.Fatalf("version as nobody: %v, %s", err, stderr)
	}
	if !strings.Contains(stdout, `controller: not visible (deployments.apps is forbidden: User "nobody@example.com" cannot list resource "deployments"`) {
		t.Errorf("version as a user who may not list Deployments printed %q, want it to say why the controller is not visible", stdout)
	}
}
