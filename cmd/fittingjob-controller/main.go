// Command fittingjob-controller keeps, for every FittingJob, a ConfigMap
// with the fitting container's configuration and a CronJob that runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os/signal"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/controller"
	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	ihpascheme "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned/scheme"
	ihpainformers "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/informers/externalversions"
)

type options struct {
	kubeconfig   string
	namespace    string
	workers      int
	resyncPeriod time.Duration
	qps          float64
	burst        int
	probeAddress string
	leader       leaderElection
}

func main() {
	var opts options
	klog.InitFlags(nil)
	flag.StringVar(&opts.kubeconfig, "kubeconfig", "", "Path to a kubeconfig. Empty: in-cluster configuration.")
	flag.StringVar(&opts.namespace, "namespace", metav1.NamespaceAll, "Only reconcile FittingJobs in this namespace. Empty: all namespaces.")
	flag.IntVar(&opts.workers, "workers", 4, "Number of FittingJobs synced in parallel.")
	flag.DurationVar(&opts.resyncPeriod, "resync-period", 10*time.Minute, "How often every FittingJob is re-synced even without events.")
	flag.Float64Var(&opts.qps, "kube-api-qps", 50, "Client-side rate limit of requests to the API server, per second.")
	flag.IntVar(&opts.burst, "kube-api-burst", 100, "Client-side burst of requests to the API server.")
	flag.StringVar(&opts.probeAddress, "health-probe-bind-address", ":8081", "Address of /healthz and /readyz. Empty: disabled.")
	opts.leader.addFlags(flag.CommandLine)
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		klog.ErrorS(err, "Controller failed")
		klog.FlushAndExit(klog.ExitFlushTimeout, 1)
	}
	klog.Flush()
}

func run(ctx context.Context, opts options) error {
	logger := klog.FromContext(ctx)

	config, err := clientcmd.BuildConfigFromFlags("", opts.kubeconfig)
	if err != nil {
		return fmt.Errorf("loading client configuration: %w", err)
	}
	config.QPS, config.Burst = float32(opts.qps), opts.burst
	config = rest.AddUserAgent(config, controller.Name)

	kubeClient, err := kubernetes.NewForConfig(config)
	if err != nil {
		return fmt.Errorf("creating Kubernetes client: %w", err)
	}
	ihpaClient, err := clientset.NewForConfig(config)
	if err != nil {
		return fmt.Errorf("creating FittingJob client: %w", err)
	}

	ihpaInformers := ihpainformers.NewSharedInformerFactoryWithOptions(ihpaClient, opts.resyncPeriod,
		ihpainformers.WithNamespace(opts.namespace),
		ihpainformers.WithTransform(controller.DropManagedFields))
	// Only the controller's own children are cached, not every ConfigMap
	// and CronJob in the cluster.
	kubeInformers := kubeinformers.NewSharedInformerFactoryWithOptions(kubeClient, opts.resyncPeriod,
		kubeinformers.WithNamespace(opts.namespace),
		kubeinformers.WithTweakListOptions(controller.ManagedBySelector),
		kubeinformers.WithTransform(controller.DropManagedFields))

	if err := ihpascheme.AddToScheme(scheme.Scheme); err != nil {
		return fmt.Errorf("registering FittingJob types: %w", err)
	}
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartStructuredLogging(3)
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kubeClient.CoreV1().Events(opts.namespace)})
	defer broadcaster.Shutdown()
	recorder := broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: controller.Name})

	c, err := controller.New(kubeClient, ihpaClient,
		ihpaInformers.Ihpa().V1beta2().FittingJobs(),
		kubeInformers.Core().V1().ConfigMaps(),
		kubeInformers.Batch().V1().CronJobs(),
		recorder)
	if err != nil {
		return err
	}

	// Every replica keeps warm caches, so that a standby takes over at once
	// and reports ready; only the leader runs workers.
	ihpaInformers.Start(ctx.Done())
	kubeInformers.Start(ctx.Done())
	defer ihpaInformers.Shutdown()
	defer kubeInformers.Shutdown()

	health := newHealthServer(opts.probeAddress, c.HasSynced)
	runController := func(ctx context.Context) error { return c.Run(ctx, opts.workers) }
	if opts.leader.enabled {
		elector, err := opts.leader.newElector(kubeClient, runController)
		if err != nil {
			return err
		}
		health.addLivenessCheck(elector.check)
		runController = elector.runElected
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		if err := health.serve(ctx); err != nil {
			cancel(fmt.Errorf("serving probes: %w", err))
		}
	}()
	if err := runController(ctx); err != nil {
		return err
	}
	if cause := context.Cause(ctx); !errors.Is(cause, context.Canceled) {
		return cause
	}
	logger.Info("Stopped")
	return nil
}
