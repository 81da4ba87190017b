//go:build integration

package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/intelligent-hpa/fittingjob-controller/cmd/fittingjob-controller/app"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// The series and probes, read as a Prometheus and a kubelet would: /metrics
// over HTTPS with the token of a ServiceAccount bound to the shipped reader
// role (TestMetricsNeedCredentials shows who else is refused), the probes
// anonymously.
func TestMetricsAndProbesAreServed(t *testing.T) {
	ns := newNamespace(t)
	metrics, probeAddress := newMetricsEndpoint(t, ns), freeAddress(t)
	startController(t, ns, func(o *app.Options) {
		o.MetricsAddress, o.ProbeAddress = metrics.address, probeAddress
	})
	fj := createFittingJob(t, testutil.FittingJob(ns, "scraped"))
	waitReady(t, ns, fj.Name)

	eventually(t, 30*time.Second, "/readyz to answer 200", func(context.Context) (bool, error) {
		code, _ := get(t, "http://"+probeAddress+"/readyz")
		return code == http.StatusOK, nil
	})
	if code, body := get(t, "http://"+probeAddress+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
	body := metrics.scrape(t)
	for _, series := range []string{
		`workqueue_adds_total{name="fittingjob-controller"}`,
		`workqueue_depth{name="fittingjob-controller"}`,
		`workqueue_work_duration_seconds_count{name="fittingjob-controller"}`,
		`fittingjob_controller_syncs_total{result="Synced"}`,
		`fittingjob_controller_sync_duration_seconds_count`,
		`fittingjob_controller_child_writes_total{kind="ConfigMap",verb="create"}`,
		`fittingjob_controller_child_writes_total{kind="CronJob",verb="create"}`,
		`fittingjob_controller_status_writes_total`,
		`rest_client_requests_total{code="201",host=`,
		`rest_client_request_duration_seconds_count{host=`,
	} {
		if !strings.Contains(body, series) {
			t.Errorf("/metrics has no %s", series)
		}
	}
}

func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, fmt.Sprint(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// `kubectl fittingjob run NAME` starts a Job from the FittingJob's CronJob
// on the real API server (the binary make build puts in .bin).
func TestPluginRunStartsAJob(t *testing.T) {
	plugin, err := filepath.Abs(filepath.Join("..", "..", ".bin", "kubectl-fittingjob"))
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t)
	startController(t, ns)
	fj := createFittingJob(t, testutil.FittingJob(ns, "now"))
	waitReady(t, ns, fj.Name)

	out, err := exec.Command(plugin, "run", fj.Name, "-n", ns).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl-fittingjob run: %v\n%s", err, out)
	}
	name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(out)), "job.batch/"), " created")
	job, err := kube.BatchV1().Jobs(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the Job the plugin reported (%q): %v", out, err)
	}
	checkConfigVolume(t, job.Spec.Template.Spec, "now-config")
	if owner := metav1.GetControllerOf(job); owner == nil || owner.Kind != "CronJob" || owner.Name != fj.Name {
		t.Errorf("the Job's controller = %+v, want CronJob %s", owner, fj.Name)
	}

	out, err = exec.Command(plugin, "run", "missing", "-n", ns).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no FittingJob missing in namespace "+ns) {
		t.Errorf("run of a missing FittingJob: %v\n%s", err, out)
	}
}

// manifests/namespaced: the controller as the ServiceAccount of
// fittingjob-team, with only Roles in that namespace, scoped with
// --namespace and electing its leader there. Any cluster-wide request
// would be denied and fail the test.
func TestNamespacedInstall(t *testing.T) {
	const ns = "fittingjob-team"
	startController(t, ns, func(o *app.Options) {
		o.RestConfig.Impersonate.UserName = "system:serviceaccount:fittingjob-team:fittingjob-controller"
		o.LeaderElection.LeaderElect = true
		o.LeaderElection.ResourceNamespace = ns
		o.LeaderElection.Identity = "namespaced"
	})
	fj := createFittingJob(t, testutil.FittingJob(ns, "team"))
	t.Cleanup(func() {
		_ = ihpa.IhpaV1beta2().FittingJobs(ns).Delete(context.Background(), fj.Name, metav1.DeleteOptions{})
	})
	waitReady(t, ns, fj.Name)
}

// The FittingJob's status mirrors the CronJob's last schedule and last
// success times as the CronJob controller records them (written here
// directly, as kube-controller-manager's cronjob controller would).
func TestStatusMirrorsTheCronJob(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := createFittingJob(t, testutil.FittingJob(ns, "mirrored"))
	waitReady(t, ns, fj.Name)

	scheduled := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	succeeded := metav1.NewTime(time.Now().Add(-50 * time.Minute).Truncate(time.Second))
	cj := getCronJob(t, ns, fj.Name)
	cj.Status.LastScheduleTime, cj.Status.LastSuccessfulTime = &scheduled, &succeeded
	if _, err := kube.BatchV1().CronJobs(ns).UpdateStatus(context.Background(), cj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the FittingJob's status to mirror the CronJob's", func(ctx context.Context) (bool, error) {
		got, err := ihpa.IhpaV1beta2().FittingJobs(ns).Get(ctx, fj.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := got.Status
		return s.LastScheduleTime != nil && s.LastScheduleTime.Equal(&scheduled) &&
			s.LastSuccessfulTime != nil && s.LastSuccessfulTime.Equal(&succeeded), nil
	})
}

// A probe port that is taken stops the controller with that error, not
// with what its run made of the cancellation.
func TestATakenProbePortIsTheError(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	opts := app.NewOptions()
	opts.RestConfig = controllerConfig
	opts.Namespace = newNamespace(t)
	opts.MetricsAddress, opts.ProbeAddress = "", taken.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = app.Run(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "serving probes") || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("app.Run() = %v, want the probes' error: address already in use", err)
	}
}
