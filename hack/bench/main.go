// Command bench measures the FittingJob controller against a floor on a
// private local control plane (make bench): convergence at cold start,
// online and in an update storm, CPU and writes in steady state and at
// restart, memory against unrelated ConfigMaps. Each convergence is timed
// against a floor, a bare client doing the same writes in the same run,
// because the machine is shared and noisy: the ratios are the figures.
//
// The controller runs as the real binary, a subprocess, cluster-wide, as
// its ServiceAccount; it is stopped while a floor runs, so that it does not
// reconcile the floor's namespace. Every time ends when an independent
// watch (the admin's) sees the last FittingJob converged, for the
// controller and the floor alike. The controller's CPU seconds come from
// /proc/<pid>/stat over the same span, its RSS from /proc/<pid>/status.
//
// Phases (-skip any of them): cold, online, steady, restart, memory, storm;
// hack/bench/README.md says what each measures.
//
// It runs inside `localcluster run` (hack/bench/run.sh), which sets
// KUBECONFIG (admin) and LOCALCLUSTER_DIR (controller.kubeconfig).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	apiruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
)

type options struct {
	n, workers, burst, unrelated int
	qps                          float64
	resync, timeout              time.Duration
	skip, binary                 string
}

type bench struct {
	opts options
	// admin prepares, observes and plays the users (unthrottled).
	admin     kubernetes.Interface
	adminIhpa clientset.Interface
	floor     *floor
	proc      *controllerProc
	report    *report
	// mainNS holds N FittingJobs synced by the controller, once a phase
	// has made them.
	mainNS string
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 2000, "Number of FittingJobs.")
	flag.IntVar(&o.workers, "workers", 4, "The controller's --workers, the floor's goroutines and the users'.")
	flag.Float64Var(&o.qps, "qps", -1, "The controller's --kube-api-qps and the floor clients' QPS; -1: unthrottled.")
	flag.IntVar(&o.burst, "burst", 100, "The controller's --kube-api-burst and the floor clients' burst (with -qps > 0).")
	flag.DurationVar(&o.resync, "resync", 30*time.Second, "The controller's --resync-period; steady lasts 3 of them.")
	flag.DurationVar(&o.timeout, "timeout", 0, "Longest wait for one convergence; 0: 2m + 50ms per FittingJob.")
	flag.StringVar(&o.skip, "skip", "", "Comma-separated phases to skip: cold,online,steady,restart,memory,storm.")
	flag.StringVar(&o.binary, "controller-binary", ".bin/fittingjob-controller", "The controller binary (make build).")
	flag.IntVar(&o.unrelated, "unrelated", 10000, "ConfigMaps (1 KiB each) created in the memory phase.")
	flag.Parse()
	if o.timeout == 0 {
		o.timeout = defaultTimeout(o.n)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	b, err := newBench(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	failed := b.run(ctx)
	b.report.print(os.Stdout)
	if failed {
		os.Exit(1)
	}
}

// clients are a Kubernetes clientset (protobuf, as the controller's) and a
// FittingJob clientset (JSON: custom resources have no protobuf) for
// kubeconfig; qps <= 0 leaves them unthrottled.
func clients(kubeconfig string, qps float64, burst int) (kube kubernetes.Interface, ihpa clientset.Interface, err error) {
	c, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, nil, err
	}
	c.QPS, c.Burst = float32(qps), burst
	if qps <= 0 {
		c.QPS, c.Burst = -1, 0
	}
	c = rest.AddUserAgent(c, "fittingjob-bench")
	if ihpa, err = clientset.NewForConfig(c); err != nil {
		return nil, nil, err
	}
	c.ContentType = apiruntime.ContentTypeProtobuf
	c.AcceptContentTypes = apiruntime.ContentTypeProtobuf + "," + apiruntime.ContentTypeJSON
	kube, err = kubernetes.NewForConfig(c)
	return kube, ihpa, err
}

func newBench(o options) (*bench, error) {
	dir, kubeconfig := os.Getenv("LOCALCLUSTER_DIR"), os.Getenv("KUBECONFIG")
	if dir == "" || kubeconfig == "" {
		return nil, fmt.Errorf("run me through localcluster: make bench (KUBECONFIG and LOCALCLUSTER_DIR unset)")
	}
	binary, err := filepath.Abs(o.binary)
	if err == nil {
		_, err = os.Stat(binary)
	}
	if err != nil {
		return nil, fmt.Errorf("controller binary: %w (make build)", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "bench"), 0o755); err != nil {
		return nil, err
	}
	ctrlKubeconfig := filepath.Join(dir, "controller.kubeconfig")
	b := &bench{opts: o, report: &report{}, floor: &floor{workers: o.workers},
		proc: newControllerProc(binary, ctrlKubeconfig, filepath.Join(dir, "bench", "controller.log"), o)}
	if b.admin, b.adminIhpa, err = clients(kubeconfig, -1, 0); err != nil {
		return nil, err
	}
	// The floor's clients are the controller's: its identity, its QPS.
	b.floor.kube, b.floor.ihpa, err = clients(ctrlKubeconfig, o.qps, o.burst)
	return b, err
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// needs says what a phase starts from.
type needs int

const (
	nothing needs = iota
	mainSynced
)

// run runs every phase not skipped and reports whether one failed.
func (b *bench) run(ctx context.Context) bool {
	b.header()
	// localcluster wipes the cluster at the next start: only the
	// controller needs stopping.
	defer func() {
		if err := b.proc.stop(); err != nil {
			progress("stopping the controller: %v", err)
		}
		status, _ := os.ReadFile("/proc/self/status")
		peak, _ := statusBytes(string(status), "VmHWM")
		b.report.head("finished:   %s, load average %s; the bench's own peak RSS %.0f MB", time.Now().Format(time.RFC3339), loadAverage(), peak/1e6)
	}()
	phases := []struct {
		name  string
		needs needs
		build func() phase
	}{
		{"cold", nothing, b.cold},
		{"online", nothing, b.online},
		{"steady", mainSynced, b.steady},
		{"restart", mainSynced, b.restart},
		{"memory", mainSynced, b.memory},
		{"storm", mainSynced, b.storm},
	}
	skip := strings.Split(b.opts.skip, ",")
	failed := false
	for _, p := range phases {
		if slices.Contains(skip, p.name) {
			continue
		}
		progress("phase %s (N=%d)", p.name, b.opts.n)
		err := error(nil)
		if p.needs == mainSynced {
			err = b.ensureMain(ctx)
		}
		if err == nil {
			err = b.runPhase(ctx, p.build())
		}
		if err != nil {
			progress("phase %s failed: %v", p.name, err)
			b.report.fail(p.name, err)
			failed = true
			if ctx.Err() != nil {
				return true
			}
		}
	}
	return failed
}

func (b *bench) header() {
	o, r := b.opts, b.report
	r.head("FittingJob controller benchmark, %s", time.Now().Format(time.RFC3339))
	r.head("command:    hack/bench/run.sh %s", strings.Join(os.Args[1:], " "))
	r.head("apiserver:  kube-apiserver v1.37.2 (hack/cluster), extra flags: %s", os.Getenv("BENCH_APISERVER_FLAGS"))
	r.head("controller: %s", b.proc.commandLine())
	qps := "unthrottled"
	if o.qps > 0 {
		qps = fmt.Sprintf("QPS %g burst %d per clientset", o.qps, o.burst)
	}
	r.head("floor:      the controller's kubeconfig, %s, protobuf for built-in types, %d goroutines; children from generator.Desired, one status write each", qps, o.workers)
	r.head("users:      the admin, unthrottled, %d goroutines; N=%d FittingJobs; times end when a watch sees the last one converged", o.workers, o.n)
	r.head("machine:    %d CPUs, load average at start %s; timeout %v; controller log %s", runtime.NumCPU(), loadAverage(), o.timeout, b.proc.logPath)
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}
