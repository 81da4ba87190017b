//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// Fault injection: what the controller promises when the world misbehaves.
// Every test here fails if its fault did not actually happen, so that none
// can pass by accident.

// kube-apiserver restarts in the middle of a burst of creates. The
// controller's informers recover from the broken watches by themselves, and
// every FittingJob ends up with exactly its two children: none missing, none
// twice, none orphaned.
func TestFaultAPIServerRestart(t *testing.T) {
	const (
		total        = 200
		creators     = 8
		restartAfter = 50
		// Each creator pauses between creates, so that the burst is still
		// going when kube-apiserver goes away (about 40 creates a second).
		pace = 200 * time.Millisecond
	)
	launcher := launcherPID(t)
	ns := newNamespace(t)
	rc := startController(t, ns)
	restartsBefore := apiserverRestarts(t)

	names := make(chan string, total)
	for i := range total {
		names <- fmt.Sprintf("burst-%03d", i)
	}
	close(names)
	var created, failedAttempts, lostResponses atomic.Int32
	createErrs := make(chan error, creators)
	deadline := time.Now().Add(2 * time.Minute)
	var wg sync.WaitGroup
	for range creators {
		wg.Go(func() {
			for name := range names {
				lost, failed, err := createRetrying(testutil.FittingJob(ns, name), deadline)
				failedAttempts.Add(int32(failed))
				if lost {
					lostResponses.Add(1)
				}
				if err != nil {
					createErrs <- err
					return
				}
				created.Add(1)
				time.Sleep(pace)
			}
		})
	}

	eventually(t, time.Minute, fmt.Sprintf("%d FittingJobs to be created", restartAfter), func(context.Context) (bool, error) {
		return created.Load() >= restartAfter, nil
	})
	if denied := rc.requests.denied(); len(denied) > 0 {
		t.Fatalf("the API server denied the controller before the restart: %v", denied)
	}
	if err := syscall.Kill(launcher, syscall.SIGUSR1); err != nil {
		t.Fatalf("asking the launcher (pid %d) to restart kube-apiserver: %v", launcher, err)
	}
	restartedAt := time.Now()
	t.Logf("restarting kube-apiserver after %d creates", created.Load())
	wg.Wait()
	close(createErrs)
	for err := range createErrs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("all %d FittingJobs created %v after the restart began: %d failed attempts retried, %d created although the response was lost",
		total, time.Since(restartedAt).Round(time.Millisecond), failedAttempts.Load(), lostResponses.Load())

	// Without these two, the test could pass without the fault it is about.
	eventually(t, 90*time.Second, "the launcher to report the restart", func(context.Context) (bool, error) {
		return apiserverRestarts(t) > restartsBefore, nil
	})
	if failedAttempts.Load() == 0 {
		t.Fatalf("no create failed: the restart missed the burst, so it tested nothing")
	}
	// A kube-apiserver that has just started serves requests before its
	// RBAC authorizer has synced, and denies them: the controller's 403s
	// until then say nothing about the shipped RBAC, and the framework's
	// check must not count them. Any 403 after it still fails the test.
	asController := kubernetes.NewForConfigOrDie(controllerConfig)
	eventually(t, time.Minute, "the API server to authorize the controller again", func(ctx context.Context) (bool, error) {
		_, err := asController.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{Limit: 1})
		return err == nil, nil
	})
	if forgiven := rc.requests.forgiveForbidden(); len(forgiven) > 0 {
		t.Logf("%d requests denied while kube-apiserver restarted (RBAC not synced yet), not held against the controller", len(forgiven))
	}

	waitAllReady(t, ns, total, 3*time.Minute)
	t.Logf("all %d FittingJobs Ready %v after the restart began", total, time.Since(restartedAt).Round(time.Millisecond))
	checkOneChildEach(t, ns, total)
}

// createRetrying creates fj, retrying any failure until deadline: kube-
// apiserver may be away. A create whose response was lost may have been
// stored; AlreadyExists on a retry means it was (lost reports it).
func createRetrying(fj *ihpav1beta2.FittingJob, deadline time.Time) (lost bool, failed int, err error) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = ihpa.IhpaV1beta2().FittingJobs(fj.Namespace).Create(ctx, fj, metav1.CreateOptions{})
		cancel()
		switch {
		case err == nil:
			return false, failed, nil
		case apierrors.IsAlreadyExists(err) && failed > 0:
			return true, failed, nil
		case apierrors.IsAlreadyExists(err):
			return false, failed, fmt.Errorf("creating FittingJob %s: %w", fj.Name, err)
		}
		failed++
		if time.Now().After(deadline) {
			return false, failed, fmt.Errorf("creating FittingJob %s: still failing after %d attempts: %w", fj.Name, failed, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// launcherPID is the pid of the localcluster launcher, which restarts
// kube-apiserver on SIGUSR1.
func launcherPID(t *testing.T) int {
	t.Helper()
	pid, err := strconv.Atoi(os.Getenv("LOCALCLUSTER_PID"))
	if err != nil || pid <= 1 {
		t.Fatalf("LOCALCLUSTER_PID=%q: fault injection needs the localcluster launcher (make integration-test)", os.Getenv("LOCALCLUSTER_PID"))
	}
	return pid
}

// apiserverRestarts is the number of kube-apiserver restarts the launcher
// has completed.
func apiserverRestarts(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(os.Getenv("LOCALCLUSTER_DIR"), "apiserver-restarts"))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("apiserver-restarts: %v", err)
	}
	return n
}

// Somebody keeps editing a CronJob the controller owns. The controller
// reverts each edit with a bounded number of requests (no hot loop, no
// write storm), and once the edits stop it restores what it wants and goes
// quiet.
func TestFaultConflictingWriter(t *testing.T) {
	const (
		writerRun   = 5 * time.Second
		writerPause = 100 * time.Millisecond
	)
	ns := newNamespace(t)
	rc := startController(t, ns)
	fj := testutil.FittingJob(ns, "contested")
	fj.Spec.Image = "fitting:v1"
	createFittingJob(t, fj)
	fj = waitReady(t, ns, fj.Name)
	children, errs := generator.Desired(fj)
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	want := children.CronJob
	before := rc.requests.settle(t)

	// The writer: the cluster admin, every 100ms for 5s, a new image and
	// schedule on the CronJob. Conflicts with the controller's own writes
	// are expected and skipped.
	var edits, conflicts int
	stopAt := time.Now().Add(writerRun)
	for i := 0; time.Now().Before(stopAt) && i < int(writerRun/writerPause); i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cj, err := kube.BatchV1().CronJobs(ns).Get(ctx, fj.Name, metav1.GetOptions{})
		if err == nil {
			cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image = fmt.Sprintf("intruder:%d", i)
			cj.Spec.Schedule = fmt.Sprintf("%d * * * *", i%60)
			_, err = kube.BatchV1().CronJobs(ns).Update(ctx, cj, metav1.UpdateOptions{})
		}
		cancel()
		switch {
		case err == nil:
			edits++
		case apierrors.IsConflict(err):
			conflicts++
		default:
			t.Fatalf("the writer: %v", err)
		}
		time.Sleep(writerPause)
	}
	stopped := time.Now()
	if edits < 10 {
		t.Fatalf("the writer made only %d edits (%d conflicts): too few to test anything", edits, conflicts)
	}

	eventually(t, 10*time.Second, "the CronJob to be restored", func(ctx context.Context) (bool, error) {
		cj, err := kube.BatchV1().CronJobs(ns).Get(ctx, fj.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return cj.Spec.Schedule == want.Spec.Schedule &&
			cj.Spec.ConcurrencyPolicy == want.Spec.ConcurrencyPolicy &&
			len(cj.Spec.JobTemplate.Spec.Template.Spec.Containers) == 1 &&
			cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image == want.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image, nil
	})
	restored := time.Since(stopped)
	settled := rc.requests.settle(t)
	writes := rc.requests.mutatingSince(before)[:settled-before]
	t.Logf("the writer made %d edits (%d conflicts); the controller sent %d mutating requests and restored the CronJob %v after the writer stopped: %v; events: %v",
		edits, conflicts, len(writes), restored.Round(time.Millisecond), tally(writes), eventsFor(t, fj))
	cronJobPath := "/apis/batch/v1/namespaces/" + ns + "/cronjobs/" + fj.Name
	if reverts := count(writes, "PUT "+cronJobPath); reverts == 0 {
		t.Errorf("the controller never reverted the CronJob while the writer ran: %v", tally(writes))
	}
	if limit := 2*edits + 5; len(writes) > limit {
		t.Errorf("the controller sent %d mutating requests against %d edits, more than %d: %v", len(writes), edits, limit, tally(writes))
	}

	// Then nothing at all over three resync periods.
	cj := getCronJob(t, ns, fj.Name)
	waitForResyncs(t, ns, 3)
	if writes := rc.requests.mutatingSince(settled); len(writes) > 0 {
		t.Errorf("mutating requests after the writer stopped and the controller settled: %v", writes)
	}
	if after := getCronJob(t, ns, fj.Name); after.ResourceVersion != cj.ResourceVersion {
		t.Errorf("the CronJob changed after the controller settled: resourceVersion %s, then %s", cj.ResourceVersion, after.ResourceVersion)
	}
	waitReady(t, ns, fj.Name)
}

// tally counts requests by method and path, for messages.
func tally(requests []string) map[string]int {
	counts := map[string]int{}
	for _, r := range requests {
		counts[r]++
	}
	return counts
}

// The controller process dies by SIGKILL in the middle of a burst, with no
// chance to finish what it was writing. The next process completes the work:
// exactly one ConfigMap and one CronJob per FittingJob, nothing lost, and
// what the first one made is kept, not made again.
func TestFaultControllerKilled(t *testing.T) {
	const (
		total = 100
		// The kill comes once this many ConfigMaps exist.
		progress = 10
	)
	ns := newNamespace(t)
	for i := range total {
		createFittingJob(t, testutil.FittingJob(ns, fmt.Sprintf("killed-%03d", i)))
	}

	first := startControllerBinary(t, ns)
	eventually(t, time.Minute, fmt.Sprintf("the first process to create %d ConfigMaps", progress), func(ctx context.Context) (bool, error) {
		cms, err := kube.CoreV1().ConfigMaps(ns).List(ctx, managedBy())
		return err == nil && len(cms.Items) >= progress, err
	})
	first.kill()

	// What the first process left behind; it must not have finished, or the
	// kill tested nothing.
	ready, err := readyFittingJobs(context.Background(), ns)
	if err != nil {
		t.Fatal(err)
	}
	cms, err := kube.CoreV1().ConfigMaps(ns).List(context.Background(), managedBy())
	if err != nil {
		t.Fatal(err)
	}
	cjs, err := kube.BatchV1().CronJobs(ns).List(context.Background(), managedBy())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed the first process with %d ConfigMaps, %d CronJobs, %d of %d FittingJobs Ready", len(cms.Items), len(cjs.Items), ready, total)
	if ready == total {
		t.Fatalf("all %d FittingJobs were Ready before the kill: the kill tested nothing (make the burst larger)", total)
	}
	survivors := map[string]string{}
	for _, cm := range cms.Items {
		survivors["ConfigMap/"+cm.Name] = string(cm.UID)
	}
	for _, cj := range cjs.Items {
		survivors["CronJob/"+cj.Name] = string(cj.UID)
	}

	startControllerBinary(t, ns)
	waitAllReady(t, ns, total, 2*time.Minute)
	children := checkOneChildEach(t, ns, total)
	for child, uid := range survivors {
		if children[child] != uid {
			t.Errorf("%s made by the first process (uid %s) was replaced (uid %s)", child, uid, children[child])
		}
	}
}

// controllerProcess is the controller binary, run as its ServiceAccount.
type controllerProcess struct {
	cmd     *exec.Cmd
	logPath string
	once    sync.Once
}

// startControllerBinary runs the binary that `make build` puts in .bin,
// scoped to namespace, until it is killed or the test ends. Flags in extra
// come last, so they override the defaults here.
func startControllerBinary(t *testing.T, namespace string, extra ...string) *controllerProcess {
	t.Helper()
	binary, err := filepath.Abs(filepath.Join("..", "..", ".bin", "fittingjob-controller"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(binary); err != nil {
		t.Fatalf("the controller binary: %v (run make build)", err)
	}
	logFile, err := os.CreateTemp(t.TempDir(), "controller-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(binary, append([]string{
		"--kubeconfig", filepath.Join(os.Getenv("LOCALCLUSTER_DIR"), "controller.kubeconfig"),
		"--namespace", namespace,
		"--metrics-bind-address=", "--health-probe-bind-address=",
		"--resync-period=2s", "-v=1"}, extra...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Should the test binary itself die, the controller dies with it
	// instead of running on against a stopped control plane.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the controller binary: %v", err)
	}
	p := &controllerProcess{cmd: cmd, logPath: logFile.Name()}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			log, _ := os.ReadFile(p.logPath)
			lines := strings.Split(strings.TrimSpace(string(log)), "\n")
			t.Logf("last lines of the log of controller pid %d:\n%s", cmd.Process.Pid, strings.Join(lines[max(0, len(lines)-30):], "\n"))
		}
	})
	return p
}

// kill sends SIGKILL, the one signal the process cannot handle, and reaps
// it.
func (p *controllerProcess) kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	})
}

// A customConfig the API server accepts may still make config.json too
// large for a ConfigMap: the controller refuses it with a condition naming
// the limit, writes no child for it, and does not retry until the
// FittingJob changes. A customConfig that could never fit is refused at
// apply time.
func TestFaultOversizedCustomConfig(t *testing.T) {
	t.Run("reported by the controller", func(t *testing.T) {
		ns := newNamespace(t)
		rc := startController(t, ns)
		huge := testutil.FittingJob(ns, "huge")
		// config.json adds far more than 64 bytes around it.
		huge.Spec.CustomConfig = strings.Repeat("x", corev1.MaxSecretSize-64)
		huge = createFittingJob(t, huge)
		// A FittingJob beside it is synced: the controller is not stuck.
		small := createFittingJob(t, testutil.FittingJob(ns, "small"))
		waitReady(t, ns, small.Name)

		huge = waitCondition(t, ns, huge.Name, metav1.ConditionFalse, ihpav1beta2.ReasonInvalidSpec)
		ready := findCondition(huge.Status.Conditions, ihpav1beta2.ConditionReady)
		if !strings.Contains(ready.Message, "spec.customConfig") || !strings.Contains(ready.Message, "1 MiB") {
			t.Errorf("Ready message = %q, want it to name spec.customConfig and the 1 MiB limit", ready.Message)
		}

		sent := rc.requests.settle(t)
		waitForResyncs(t, ns, 3)
		if writes := rc.requests.mutatingSince(sent); len(writes) > 0 {
			t.Errorf("mutating requests over three resyncs of an invalid FittingJob: %v", writes)
		}
		// Creates name no object in their path: the one ConfigMap and the
		// one CronJob created must be the small FittingJob's.
		writes := rc.requests.mutatingSince(0)
		if n := count(writes, "POST /api/v1/namespaces/"+ns+"/configmaps"); n != 1 {
			t.Errorf("%d ConfigMap creates, want 1 (the small FittingJob's): %v", n, tally(writes))
		}
		if n := count(writes, "POST /apis/batch/v1/namespaces/"+ns+"/cronjobs"); n != 1 {
			t.Errorf("%d CronJob creates, want 1 (the small FittingJob's): %v", n, tally(writes))
		}
		for _, w := range writes {
			if strings.Contains(w, "/configmaps/huge") || strings.Contains(w, "/cronjobs/huge") {
				t.Errorf("the controller wrote a child of the invalid FittingJob: %s", w)
			}
		}
		if _, err := kube.CoreV1().ConfigMaps(ns).Get(context.Background(), generator.ConfigMapName(huge), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("ConfigMap %s: want NotFound, got %v", generator.ConfigMapName(huge), err)
		}
		if _, err := kube.BatchV1().CronJobs(ns).Get(context.Background(), generator.CronJobName(huge), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("CronJob %s: want NotFound, got %v", generator.CronJobName(huge), err)
		}
		if events := eventsFor(t, huge); count(events, "Warning "+ihpav1beta2.ReasonInvalidSpec) != 1 {
			t.Errorf("events = %v, want one Warning %s", events, ihpav1beta2.ReasonInvalidSpec)
		}
	})

	// More than 1 MiB can never fit in the ConfigMap: the CRD's maxLength
	// refuses it.
	t.Run("refused by the API server", func(t *testing.T) {
		ns := newNamespace(t)
		fj := testutil.FittingJob(ns, "too-long")
		fj.Spec.CustomConfig = strings.Repeat("x", corev1.MaxSecretSize+1)
		_, err := ihpa.IhpaV1beta2().FittingJobs(ns).Create(context.Background(), fj, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) {
			t.Fatalf("a customConfig of 1 MiB + 1 byte: want the API server to refuse it as invalid, got %v", err)
		}
		if !strings.Contains(err.Error(), "spec.customConfig") {
			t.Errorf("the message does not name spec.customConfig: %v", err)
		}
	})
}

// managedBy lists the controller's children.
func managedBy() metav1.ListOptions {
	return metav1.ListOptions{LabelSelector: ihpav1beta2.ManagedByLabel + "=" + ihpav1beta2.ManagedByValue}
}

// isReady reports whether fj is Ready (Synced) for its current generation.
func isReady(fj *ihpav1beta2.FittingJob) bool {
	ready := findCondition(fj.Status.Conditions, ihpav1beta2.ConditionReady)
	return ready != nil && ready.Status == metav1.ConditionTrue && ready.Reason == ihpav1beta2.ReasonSynced &&
		fj.Status.ObservedGeneration == fj.Generation
}

func findCondition(conditions []metav1.Condition, conditionType string) *metav1.Condition {
	for i := range conditions {
		if conditions[i].Type == conditionType {
			return &conditions[i]
		}
	}
	return nil
}

// readyFittingJobs counts the Ready FittingJobs of namespace.
func readyFittingJobs(ctx context.Context, namespace string) (int, error) {
	fjs, err := ihpa.IhpaV1beta2().FittingJobs(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	ready := 0
	for i := range fjs.Items {
		if isReady(&fjs.Items[i]) {
			ready++
		}
	}
	return ready, nil
}

// waitAllReady waits until total FittingJobs of namespace are Ready,
// listing them once a second (each list is hundreds of objects).
func waitAllReady(t *testing.T, namespace string, total int, timeout time.Duration) {
	t.Helper()
	ready := 0
	err := wait.PollUntilContextTimeout(context.Background(), time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		var err error
		ready, err = readyFittingJobs(ctx, namespace)
		// The API server may still be coming back: keep polling.
		return err == nil && ready == total, nil
	})
	if err != nil {
		t.Fatalf("waiting %v for %d FittingJobs to be Ready: %d are: %v", timeout, total, ready, err)
	}
}

// checkOneChildEach checks that the total FittingJobs of namespace have
// exactly one ConfigMap and one CronJob each, controlled by the FittingJob
// of their name, and that every managed child is such a child: no
// duplicate, no orphan, nothing missing. It returns the children's UIDs by
// "Kind/name".
func checkOneChildEach(t *testing.T, namespace string, total int) map[string]string {
	t.Helper()
	ctx := context.Background()
	fjs, err := ihpa.IhpaV1beta2().FittingJobs(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fjs.Items) != total {
		t.Fatalf("%d FittingJobs, want %d", len(fjs.Items), total)
	}
	uids := map[string]string{}
	for _, fj := range fjs.Items {
		uids[fj.Name] = string(fj.UID)
	}
	children := map[string]string{}
	check := func(kind string, child metav1.Object, owner string) {
		children[kind+"/"+child.GetName()] = string(child.GetUID())
		ref := metav1.GetControllerOf(child)
		switch {
		case ref == nil:
			t.Errorf("%s %s has no controller", kind, child.GetName())
		case ref.Kind != "FittingJob" || ref.Name != owner || string(ref.UID) != uids[owner] || uids[owner] == "":
			t.Errorf("%s %s is controlled by %s %s (uid %s), want FittingJob %s (uid %q)",
				kind, child.GetName(), ref.Kind, ref.Name, ref.UID, owner, uids[owner])
		}
	}
	cms, err := kube.CoreV1().ConfigMaps(namespace).List(ctx, managedBy())
	if err != nil {
		t.Fatal(err)
	}
	for i := range cms.Items {
		check("ConfigMap", &cms.Items[i], strings.TrimSuffix(cms.Items[i].Name, "-config"))
	}
	cjs, err := kube.BatchV1().CronJobs(namespace).List(ctx, managedBy())
	if err != nil {
		t.Fatal(err)
	}
	for i := range cjs.Items {
		check("CronJob", &cjs.Items[i], cjs.Items[i].Name)
	}
	if len(cms.Items) != total || len(cjs.Items) != total {
		t.Errorf("%d ConfigMaps and %d CronJobs managed by the controller, want %d of each", len(cms.Items), len(cjs.Items), total)
	}
	for name := range uids {
		if _, ok := children["ConfigMap/"+name+"-config"]; !ok {
			t.Errorf("FittingJob %s has no ConfigMap", name)
		}
		if _, ok := children["CronJob/"+name]; !ok {
			t.Errorf("FittingJob %s has no CronJob", name)
		}
	}
	return children
}
