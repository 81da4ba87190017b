// Command bench measures the FittingJob controller against a floor on the
// local control plane (make bench): convergence at cold start and online,
// writes in steady state and at restart, memory against unrelated
// ConfigMaps, and an update storm. Every time is compared with a bare
// client doing only the necessary writes, measured side by side in the same
// run, because the machine is shared and noisy: the ratios are the figures.
//
// The controller runs as the real binary (-controller-binary), a
// subprocess, cluster-wide, as its ServiceAccount; it is stopped while a
// floor runs, so that it does not reconcile the floor's namespace. Every
// time ends when an independent watch (the admin's, unthrottled) sees the
// last FittingJob done, for the controller and for the floor alike. Each
// run gets its own namespace, deleted afterwards.
//
// Phases (-skip any of them):
//
//	cold     N FittingJobs exist; start the controller; until all are Ready
//	         with both children. Floor: list them, then per FittingJob create
//	         the ConfigMap, the CronJob, and write the status.
//	online   the controller runs; users create N at once (-concurrency).
//	         Floor: per FittingJob, the users' create, then the same three
//	         writes.
//	steady   N synced, 3 resync periods: watch events and mutating requests.
//	restart  stop and start the controller: /readyz, all synced once, and
//	         the writes and mutating requests it sent meanwhile.
//	memory   RSS and Go heap, then again after -unrelated ConfigMaps without
//	         the label in another namespace, then (those deleted) after
//	         -unrelated-jobs suspended Jobs and -unrelated-pods Pending Pods
//	         without it; then, as positive controls, as many ConfigMaps and
//	         Pods with the label, which the controller does cache.
//	storm    users change the image and customConfig of all N at once; until
//	         both children reflect it. Floor: per FittingJob, the users'
//	         update, then the ConfigMap and the CronJob updates.
//
// The evidence under the table gives, for each measured window, the API
// server's mutating requests (apiserver_request_total deltas by verb,
// resource and code), the watch events, the controller's own counters, and
// the token-bucket minimum of each client's writes: K requests through a
// client of QPS q and burst b take at least (K - b) / q.
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
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
)

var phases = []string{"cold", "online", "steady", "restart", "memory", "storm"}

type options struct {
	n, workers, burst    int
	qps, createQPS       float64
	concurrency          int
	resync, timeout      time.Duration
	skip                 string
	controllerBinary     string
	unrelated, unrelSize int
	unrelJobs, unrelPods int
	memoryControl        bool
	prefix               string
	outDir               string
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 2000, "Number of FittingJobs.")
	flag.IntVar(&o.workers, "workers", 4, "The controller's --workers, and the floor's concurrency.")
	flag.Float64Var(&o.qps, "qps", 50, "The controller's --kube-api-qps, and the floor clients' QPS.")
	flag.IntVar(&o.burst, "burst", 100, "The controller's --kube-api-burst, and the floor clients' burst.")
	flag.DurationVar(&o.resync, "resync", 10*time.Second, "The controller's --resync-period; the steady phase lasts 3 of them.")
	flag.StringVar(&o.skip, "skip", "", "Comma-separated phases to skip: "+strings.Join(phases, ","))
	flag.StringVar(&o.controllerBinary, "controller-binary", ".bin/fittingjob-controller", "The controller binary (make build).")
	flag.IntVar(&o.concurrency, "concurrency", 0, "How many goroutines create (online) or update (storm) FittingJobs, in both the controller's and the floor's run. 0: -workers.")
	flag.Float64Var(&o.createQPS, "create-qps", -1, "QPS of the client that creates and updates FittingJobs (the users); <= 0: unlimited.")
	flag.IntVar(&o.unrelated, "unrelated", 10000, "Unrelated ConfigMaps created in the memory phase.")
	flag.IntVar(&o.unrelSize, "unrelated-bytes", 1024, "Bytes of data in each unrelated ConfigMap.")
	flag.IntVar(&o.unrelJobs, "unrelated-jobs", 2000, "Unrelated Jobs (suspended) created in the memory phase.")
	flag.IntVar(&o.unrelPods, "unrelated-pods", 2000, "Unrelated Pods (Pending: no node) created in the memory phase.")
	flag.BoolVar(&o.memoryControl, "memory-control", true, "After the memory measurements, create as many ConfigMaps and Pods WITH the managed-by label (which the controller caches) to show the growth the measurements would catch.")
	flag.StringVar(&o.prefix, "prefix", "bench", "Prefix of the benchmark's namespaces.")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "Longest wait for any one convergence.")
	flag.StringVar(&o.outDir, "out", "", "Directory for the controller's log. Default: $LOCALCLUSTER_DIR/bench.")
	flag.Parse()
	if o.concurrency <= 0 {
		o.concurrency = o.workers
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

type bench struct {
	opts options
	// admin observes and prepares (unthrottled); creator plays the users
	// who create and update FittingJobs; floor is the bare client.
	admin       kubernetes.Interface
	adminIhpa   clientset.Interface
	creatorIhpa clientset.Interface
	floor       *floor
	proc        *controllerProc
	report      *report

	// mainNS holds N FittingJobs synced by the controller, once a phase
	// has made them.
	mainNS string
}

func newBench(o options) (*bench, error) {
	dir := os.Getenv("LOCALCLUSTER_DIR")
	kubeconfig := os.Getenv("KUBECONFIG")
	if dir == "" || kubeconfig == "" {
		return nil, fmt.Errorf("run me through localcluster: make bench (KUBECONFIG and LOCALCLUSTER_DIR unset)")
	}
	adminConfig, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	controllerKubeconfig := filepath.Join(dir, "controller.kubeconfig")
	controllerConfig, err := clientcmd.BuildConfigFromFlags("", controllerKubeconfig)
	if err != nil {
		return nil, err
	}
	if o.outDir == "" {
		o.outDir = filepath.Join(dir, "bench")
	}
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return nil, err
	}
	binary, err := filepath.Abs(o.controllerBinary)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(binary); err != nil {
		return nil, fmt.Errorf("controller binary: %w (make build)", err)
	}

	unlimited := rest.CopyConfig(adminConfig)
	unlimited.QPS, unlimited.Burst = -1, 0
	creator := rest.CopyConfig(adminConfig)
	creator.QPS, creator.Burst = float32(o.createQPS), max(o.concurrency, int(2*o.createQPS))
	if o.createQPS <= 0 {
		creator.QPS, creator.Burst = -1, 0
	}
	// The floor's clients are the controller's: same identity, and one
	// rate limiter per clientset with the controller's QPS and burst.
	floorConfig := rest.CopyConfig(controllerConfig)
	floorConfig.QPS, floorConfig.Burst = float32(o.qps), o.burst
	floorConfig = rest.AddUserAgent(floorConfig, "fittingjob-bench-floor")

	b := &bench{opts: o, report: &report{}}
	if b.admin, err = kubernetes.NewForConfig(unlimited); err != nil {
		return nil, err
	}
	if b.adminIhpa, err = clientset.NewForConfig(unlimited); err != nil {
		return nil, err
	}
	if b.creatorIhpa, err = clientset.NewForConfig(creator); err != nil {
		return nil, err
	}
	b.floor = &floor{workers: o.workers}
	if b.floor.kube, err = kubernetes.NewForConfig(floorConfig); err != nil {
		return nil, err
	}
	if b.floor.ihpa, err = clientset.NewForConfig(floorConfig); err != nil {
		return nil, err
	}
	b.proc = &controllerProc{
		binary: binary, kubeconfig: controllerKubeconfig, logPath: filepath.Join(o.outDir, "controller.log"),
		workers: o.workers, qps: o.qps, burst: o.burst, resync: o.resync,
	}
	return b, nil
}

func (b *bench) skipped(phase string) bool {
	for _, s := range strings.Split(b.opts.skip, ",") {
		if strings.TrimSpace(s) == phase {
			return true
		}
	}
	return false
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// run runs every phase not skipped and reports whether one failed.
func (b *bench) run(ctx context.Context) bool {
	o := b.opts
	b.header()
	defer func() {
		if err := b.proc.stop(); err != nil {
			progress("stopping the controller: %v", err)
		}
		if b.mainNS != "" {
			progress("deleting namespace %s", b.mainNS)
			if err := deleteNamespace(context.WithoutCancel(ctx), b.admin, b.mainNS, 10*time.Minute); err != nil {
				progress("deleting namespace %s: %v", b.mainNS, err)
			}
		}
		b.report.head("finished: %s, load average %s", time.Now().Format(time.RFC3339), loadAverage())
	}()

	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"cold", b.cold},
		{"online", b.online},
		{"steady", b.steady},
		{"restart", b.restart},
		{"memory", b.memory},
		{"storm", b.storm},
	}
	failed := false
	for _, s := range steps {
		if b.skipped(s.name) {
			continue
		}
		progress("phase %s (N=%d)", s.name, o.n)
		if err := s.run(ctx); err != nil {
			progress("phase %s failed: %v", s.name, err)
			b.report.failRow(s.name, err)
			failed = true
			if ctx.Err() != nil {
				return true
			}
		}
	}
	return failed
}

func (b *bench) header() {
	o := b.opts
	r := b.report
	r.head("FittingJob controller benchmark, %s", time.Now().Format(time.RFC3339))
	args := strings.Join(os.Args[1:], " ")
	if os.Getenv("MAKELEVEL") != "" {
		r.head("command:      make bench BENCH_ARGS=%q   (runs hack/bench/run.sh %s)", args, args)
	} else {
		r.head("command:      hack/bench/run.sh %s", args)
	}
	flags := os.Getenv("BENCH_APISERVER_FLAGS")
	if flags == "" {
		flags = "(none: the API server's defaults)"
	}
	r.head("apiserver:    kube-apiserver v1.37.2 (hack/cluster), extra flags: %s%s", flags, confirmAPIServerFlags(flags))
	r.head("controller:   the real binary as a subprocess, cluster-wide, as its ServiceAccount (controller.kubeconfig):")
	r.head("              %s", b.proc.commandLine())
	r.head("floor:        a bare client with the controller's kubeconfig, one Kubernetes and one FittingJob clientset at QPS %g / burst %d each (as the controller), %d goroutines (= workers); objects from pkg/generator + spec-hash", o.qps, o.burst, o.workers)
	createQPS := "unlimited"
	if o.createQPS > 0 {
		createQPS = fmt.Sprintf("%g", o.createQPS)
	}
	r.head("users:        FittingJobs created/updated by an admin client, %d goroutines, QPS %s, in both the controller's and the floor's runs", o.concurrency, createQPS)
	r.head("fixture:      N=%d FittingJobs (prometheus, selector, changePointDetection, suspended), one namespace per phase and run; times are from the first write (or the controller's exec) until an independent watch sees the last one done", o.n)
	r.head("machine:      %d CPUs, load average at start %s; controller log: %s", runtime.NumCPU(), loadAverage(), b.proc.logPath)
}

// confirmAPIServerFlags checks that the flags reached the running
// kube-apiserver (its command line in /proc).
func confirmAPIServerFlags(flags string) string {
	dir := os.Getenv("LOCALCLUSTER_DIR")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if len(args) == 0 || filepath.Base(args[0]) != "kube-apiserver" || !strings.Contains(string(cmdline), dir+"/") {
			continue
		}
		have := map[string]bool{}
		for _, a := range args[1:] {
			have[a] = true
		}
		for _, f := range strings.Fields(flags) {
			if strings.HasPrefix(f, "--") && !have[f] {
				return fmt.Sprintf(" (NOT on kube-apiserver's command line: %s)", f)
			}
		}
		return " (confirmed on kube-apiserver's command line)"
	}
	return " (kube-apiserver process not found)"
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
