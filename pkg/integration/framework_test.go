//go:build integration

// Package integration tests the controller against a real kube-apiserver,
// etcd and kube-controller-manager (hack/cluster, started by `make test`),
// with the controller running as its own ServiceAccount so that the shipped
// RBAC is what it gets.
package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/intelligent-hpa/fittingjob-controller/cmd/fittingjob-controller/app"
	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
)

var (
	// adminConfig is the cluster admin's; controllerConfig impersonates the
	// controller's ServiceAccount.
	adminConfig, controllerConfig *rest.Config
	kube                          kubernetes.Interface
	ihpa                          clientset.Interface
)

func TestMain(m *testing.M) {
	dir := os.Getenv("LOCALCLUSTER_DIR")
	if dir == "" {
		fmt.Fprintln(os.Stderr, "integration tests need the local control plane: run them with `make integration-test`")
		os.Exit(1)
	}
	var err error
	if adminConfig, err = clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "kubeconfig")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if controllerConfig, err = clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "controller.kubeconfig")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	adminConfig.QPS, adminConfig.Burst = 200, 400
	kube = kubernetes.NewForConfigOrDie(adminConfig)
	ihpa = clientset.NewForConfigOrDie(adminConfig)
	os.Exit(m.Run())
}

// runningController is the controller, run in this process as its
// ServiceAccount, with a record of the requests it sent.
type runningController struct {
	t        testing.TB
	cancel   context.CancelFunc
	done     chan error
	requests *requestLog
	// killed is set by kill: the controller may then end on its own with
	// errLostLease.
	killed bool
}

// startController runs the controller, restricted to namespace so that
// tests do not see each other's objects, until the test ends (or stop). At
// the end it fails the test if the API server denied the controller
// anything: the shipped RBAC must be enough.
func startController(t testing.TB, namespace string, configure ...func(*app.Options)) *runningController {
	t.Helper()
	requests := &requestLog{}
	config := rest.CopyConfig(controllerConfig)
	config.Wrap(requests.wrap)

	opts := app.NewOptions()
	opts.RestConfig = config
	opts.Namespace = namespace
	opts.ProbeAddress = ""
	opts.MetricsAddress = ""
	opts.ResyncPeriod = time.Second
	opts.Workers = 4
	for _, c := range configure {
		c(&opts)
	}

	ctx, cancel := context.WithCancel(context.Background())
	rc := &runningController{t: t, cancel: cancel, done: make(chan error, 1), requests: requests}
	go func() { rc.done <- app.Run(ctx, opts) }()
	t.Cleanup(rc.stop)
	return rc
}

// stop stops the controller and waits until its workers have drained.
func (rc *runningController) stop() {
	rc.t.Helper()
	if rc.cancel == nil {
		return
	}
	rc.cancel()
	rc.cancel = nil
	select {
	case err := <-rc.done:
		if err != nil && !(rc.killed && err.Error() == errLostLease) {
			rc.t.Errorf("controller stopped with an error: %v", err)
		}
	case <-time.After(30 * time.Second):
		rc.t.Errorf("controller did not stop within 30s")
	}
	if denied := rc.requests.denied(); len(denied) > 0 {
		rc.t.Errorf("the API server denied the controller (RBAC too narrow?): %v", denied)
	}
}

// kill cuts the controller off the API server, as a crash of its process
// would: from now on every request it sends fails, so it can neither renew
// nor release a Lease. Streams already open (watches) keep flowing, which
// a dead process's would not, but they write nothing. Call stop later, to
// end its goroutines.
func (rc *runningController) kill() {
	rc.killed = true
	rc.requests.cut.Store(true)
}

// errLostLease is app.Run's error when the controller lost the Lease it
// led with.
const errLostLease = "lost the leader Lease"

// requestLog records the mutating requests a client sends (leader
// election's excepted) and every request the API server refuses with 403.
type requestLog struct {
	// cut makes every request fail (kill).
	cut       atomic.Bool
	mu        sync.Mutex
	mutating  []string
	forbidden []string
}

func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if l.cut.Load() {
			return nil, fmt.Errorf("%s %s: the controller was killed", req.Method, req.URL.Path)
		}
		resp, err := rt.RoundTrip(req)
		l.mu.Lock()
		defer l.mu.Unlock()
		line := req.Method + " " + req.URL.Path
		// Lease renewals of leader election are the only writes expected
		// at any time; they are not counted. Nor are the TokenReviews and
		// SubjectAccessReviews of a scrape of /metrics: POSTs that store
		// nothing.
		if req.Method != http.MethodGet && !strings.Contains(req.URL.Path, "/leases") && !isReview(req.URL.Path) {
			l.mutating = append(l.mutating, line)
		}
		if err == nil && resp.StatusCode == http.StatusForbidden {
			l.forbidden = append(l.forbidden, line)
		}
		return resp, err
	})
}

// isReview tells the path of a TokenReview or SubjectAccessReview.
func isReview(path string) bool {
	return strings.HasSuffix(path, "/tokenreviews") || strings.HasSuffix(path, "/subjectaccessreviews")
}

// mutatingSince returns the mutating requests sent after the first n.
func (l *requestLog) mutatingSince(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.mutating[n:]...)
}

// settle waits until no mutating request has been sent for a second (the
// event recorder posts asynchronously) and returns the count.
func (l *requestLog) settle(t *testing.T) int {
	t.Helper()
	last := l.mutatingCount()
	eventually(t, 30*time.Second, "the controller to settle", func(context.Context) (bool, error) {
		time.Sleep(time.Second)
		n := l.mutatingCount()
		settled := n == last
		last = n
		return settled, nil
	})
	return last
}

func (l *requestLog) mutatingCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.mutating)
}

// forgiveForbidden forgets the 403s recorded so far and returns them, for
// a test that made the API server deny requests on purpose.
func (l *requestLog) forgiveForbidden() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	forbidden := l.forbidden
	l.forbidden = nil
	return forbidden
}

func (l *requestLog) denied() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.forbidden...)
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// newNamespace creates a namespace for one test and deletes it at the end.
// notInName is what a namespace name cannot hold.
var notInName = regexp.MustCompile(`[^a-z0-9-]+`)

func newNamespace(t testing.TB) string {
	t.Helper()
	name := strings.Trim(notInName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-") + fmt.Sprintf("-%d", time.Now().UnixNano()%100000)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := kube.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kube.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return name
}

// eventually polls condition until it holds, failing the test after timeout.
func eventually(t testing.TB, timeout time.Duration, what string, condition func(ctx context.Context) (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, condition)
	if err != nil {
		t.Fatalf("waiting %v for %s: %v", timeout, what, err)
	}
}

// waitReady waits until the FittingJob's Ready condition is True for its
// current generation, and returns it.
func waitReady(t testing.TB, namespace, name string) *ihpav1beta2.FittingJob {
	t.Helper()
	return waitCondition(t, namespace, name, metav1.ConditionTrue, ihpav1beta2.ReasonSynced)
}

func waitCondition(t testing.TB, namespace, name string, status metav1.ConditionStatus, reason string) *ihpav1beta2.FittingJob {
	t.Helper()
	var fj *ihpav1beta2.FittingJob
	eventually(t, 30*time.Second, fmt.Sprintf("FittingJob %s/%s Ready=%s (%s)", namespace, name, status, reason), func(ctx context.Context) (bool, error) {
		var err error
		fj, err = ihpa.IhpaV1beta2().FittingJobs(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range fj.Status.Conditions {
			if c.Type == ihpav1beta2.ConditionReady {
				return c.Status == status && c.Reason == reason && fj.Status.ObservedGeneration == fj.Generation, nil
			}
		}
		return false, nil
	})
	return fj
}

// loadFittingJob reads a FittingJob from a YAML file of the repository.
func loadFittingJob(t *testing.T, path string) *ihpav1beta2.FittingJob {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	fj := &ihpav1beta2.FittingJob{}
	if err := yaml.UnmarshalStrict(data, fj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fj
}

func createFittingJob(t testing.TB, fj *ihpav1beta2.FittingJob) *ihpav1beta2.FittingJob {
	t.Helper()
	created, err := ihpa.IhpaV1beta2().FittingJobs(fj.Namespace).Create(context.Background(), fj, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating FittingJob %s: %v", fj.Name, err)
	}
	return created
}

// eventsFor lists the events recorded on the FittingJob, as "Type Reason".
func eventsFor(t *testing.T, fj *ihpav1beta2.FittingJob) []string {
	t.Helper()
	list, err := kube.CoreV1().Events(fj.Namespace).List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.name=" + fj.Name + ",involvedObject.kind=FittingJob",
	})
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, e := range list.Items {
		events = append(events, e.Type+" "+e.Reason)
	}
	return events
}
