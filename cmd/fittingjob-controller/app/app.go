// Package app runs the FittingJob controller: it builds the clients and
// informers, and runs the controller (under leader election when asked)
// beside its health probes. The binary and the integration tests share it.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/client-go/dynamic"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/controller"
	ihpascheme "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned/scheme"
	ihpainformers "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/informers/externalversions"
)

// Options configure the controller process; the binary's flags set them.
type Options struct {
	// Kubeconfig is a kubeconfig path; empty means in-cluster configuration.
	// RestConfig, when set, is used instead.
	Kubeconfig string
	RestConfig *rest.Config

	Namespace    string
	Workers      int
	ResyncPeriod time.Duration
	QPS          float32
	Burst        int
	// ProbeAddress serves /healthz and /readyz (plain HTTP, anonymous),
	// MetricsAddress Prometheus /metrics; empty disables either.
	ProbeAddress   string
	MetricsAddress string
	// MetricsSecure serves MetricsAddress over HTTPS, to callers the API
	// server authenticates (TokenReview) and authorizes (SubjectAccessReview),
	// as kube-controller-manager does; false serves plain HTTP to anyone.
	MetricsSecure bool
	// TLSCertFile and TLSPrivateKeyFile are the metrics endpoint's
	// certificate and key (PEM), reloaded when they change; empty, a
	// self-signed certificate is made at start.
	TLSCertFile       string
	TLSPrivateKeyFile string
	// Profiling serves Go's pprof profiles under /debug/pprof/ on
	// MetricsAddress, as Kubernetes' own components do with --profiling,
	// behind the same authentication and authorization as /metrics.
	Profiling      bool
	LeaderElection LeaderElection
	// FreshnessGrace is how long past one schedule period a fit may
	// succeed before its forecast counts as overdue.
	FreshnessGrace time.Duration
}

// NewOptions returns the defaults of the binary's flags.
func NewOptions() Options {
	return Options{
		Workers:        4,
		ResyncPeriod:   10 * time.Minute,
		QPS:            50,
		Burst:          100,
		ProbeAddress:   ":8081",
		MetricsAddress: ":8443",
		MetricsSecure:  true,
		LeaderElection: newLeaderElection(),
		FreshnessGrace: controller.DefaultFreshnessGrace,
	}
}

// Run runs the controller until ctx is done, then drains the workers and
// returns.
func Run(ctx context.Context, opts Options) error {
	logger := klog.FromContext(ctx)
	// Everything started below stops with ctx, which Run cancels when it
	// returns for any reason: a lost Lease ends the process, not only its
	// workers.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	config := opts.RestConfig
	if config == nil {
		var err error
		if config, err = clientcmd.BuildConfigFromFlags("", opts.Kubeconfig); err != nil {
			return fmt.Errorf("loading client configuration: %w", err)
		}
	}
	config = rest.CopyConfig(config)
	config.QPS, config.Burst = opts.QPS, opts.Burst
	config = rest.AddUserAgent(config, controller.Name)
	// The API server gzips what it sends a client that accepts it, watch
	// streams included: on the way from the control plane to the
	// controller, every event costs a compression on one side and a
	// decompression on the other, where only the bytes on the wire are
	// saved.
	config.DisableCompression = true

	// Built-in types travel as protobuf, which the API server encodes and
	// the client decodes with a fraction of JSON's CPU and garbage. The
	// FittingJob client stays on JSON: custom resources have no protobuf.
	kubeConfig := rest.CopyConfig(config)
	kubeConfig.ContentType = runtime.ContentTypeProtobuf
	kubeConfig.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	kubeClient, err := kubernetes.NewForConfig(kubeConfig)
	if err != nil {
		return fmt.Errorf("creating Kubernetes client: %w", err)
	}
	ihpaClient, err := newFittingJobClient(config)
	if err != nil {
		return fmt.Errorf("creating FittingJob client: %w", err)
	}

	// No informer resyncs: the controller resyncs FittingJobs itself
	// (controller.Options.ResyncPeriod), and a FittingJob's resync covers
	// its children and runs.
	ihpaInformers := ihpainformers.NewSharedInformerFactoryWithOptions(ihpaClient, 0,
		ihpainformers.WithNamespace(opts.Namespace),
		ihpainformers.WithTransform(controller.DropFittingJobFields))
	// Only the controller's own children and runs are cached, not every
	// ConfigMap, CronJob, Job and Pod in the cluster.
	kubeInformers := kubeinformers.NewSharedInformerFactoryWithOptions(kubeClient, 0,
		kubeinformers.WithNamespace(opts.Namespace),
		kubeinformers.WithTweakListOptions(controller.ManagedBySelector),
		kubeinformers.WithTransform(controller.TrimForCache))

	// Before anything starts: a wrong metrics flag or certificate fails
	// here, not at the first scrape.
	metricsEndpoint, err := newMetricsServer(opts, kubeConfig)
	if err != nil {
		return err
	}

	if err := ihpascheme.AddToScheme(scheme.Scheme); err != nil {
		return fmt.Errorf("registering FittingJob types: %w", err)
	}
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartStructuredLogging(3)
	// Events get a client of their own, so that their rate limit is not
	// taken from the writes of children.
	eventClient, err := kubernetes.NewForConfig(kubeConfig)
	if err != nil {
		return fmt.Errorf("creating event client: %w", err)
	}
	var gate writeGate
	broadcaster.StartRecordingToSink(gatedEventSink{
		EventSink: &typedcorev1.EventSinkImpl{Interface: eventClient.CoreV1().Events(opts.Namespace)},
		gate:      &gate,
		logger:    logger,
	})
	defer broadcaster.Shutdown()
	recorder := broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: controller.Name})

	// The Job controller's FailedCreate events on Jobs: the only word of
	// a run whose Pod the API server refuses.
	eventInformers := kubeinformers.NewSharedInformerFactoryWithOptions(kubeClient, 0,
		kubeinformers.WithNamespace(opts.Namespace),
		kubeinformers.WithTweakListOptions(controller.FailedCreateSelector),
		kubeinformers.WithTransform(controller.TrimForCache))

	// Kueue's Workloads, where the cluster serves Kueue's API: they say
	// why a queued run waits. Read through the dynamic client, as
	// unstructured objects: Kueue's Go API would bring controller-runtime.
	dynamicClient, err := dynamic.NewForConfig(config)
	if err != nil {
		return fmt.Errorf("creating the dynamic client: %w", err)
	}
	kueue, err := watchWorkloads(ctx, kubeClient.Discovery(), dynamicClient, opts.Namespace)
	if err != nil {
		return err
	}
	var workloadInformer cache.SharedIndexInformer
	if kueue.resource != nil {
		workloadInformer = kueue.factory.ForResource(*kueue.resource).Informer()
		if err := workloadInformer.SetTransform(controller.TrimWorkload); err != nil {
			return fmt.Errorf("setting the Workload informer's transform: %w", err)
		}
	}

	c, err := controller.New(kubeClient, ihpaClient,
		ihpaInformers.Ihpa().V1beta2().FittingJobs(),
		kubeInformers.Core().V1().ConfigMaps(),
		kubeInformers.Batch().V1().CronJobs(),
		kubeInformers.Batch().V1().Jobs(),
		kubeInformers.Core().V1().Pods(),
		eventInformers.Core().V1().Events(),
		recorder,
		controller.Options{FreshnessGrace: opts.FreshnessGrace, ResyncPeriod: opts.ResyncPeriod, WorkloadInformer: workloadInformer, WorkloadsUnwatched: kueue.unwatched})
	if err != nil {
		return err
	}

	// Every replica keeps warm caches, so that a standby takes over at once
	// and reports ready; only the leader runs workers.
	ihpaInformers.Start(ctx.Done())
	kubeInformers.Start(ctx.Done())
	eventInformers.Start(ctx.Done())
	kueue.factory.Start(ctx.Done())
	defer func() {
		// Shutdown waits for the informers, which stop with ctx.
		cancel(nil)
		ihpaInformers.Shutdown()
		kubeInformers.Shutdown()
		eventInformers.Shutdown()
		kueue.factory.Shutdown()
	}()

	var liveness []healthz.HealthChecker
	runController := gate.whileRunning(func(ctx context.Context) error { return c.Run(ctx, opts.Workers) })
	if opts.LeaderElection.LeaderElect {
		elector, err := opts.LeaderElection.newElector(kubeClient, runController)
		if err != nil {
			return err
		}
		// Fails when the leader has stopped renewing its Lease, so that
		// the kubelet restarts a replica stuck believing it leads.
		liveness = append(liveness, elector.watchdog)
		runController = elector.runElected
	}

	go func() {
		if err := serve(ctx, opts.ProbeAddress, healthHandler(c.HasSynced, liveness...), nil); err != nil {
			cancel(fmt.Errorf("serving probes: %w", err))
		}
	}()
	go func() {
		if err := metricsEndpoint.run(ctx); err != nil {
			cancel(fmt.Errorf("serving metrics: %w", err))
		}
	}()
	runErr := runController(ctx)
	// A server that failed (a port in use, say) cancelled the run: its
	// error, not what the run made of the cancellation ("caches did not
	// sync"), says why the process stops.
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	if runErr != nil {
		return runErr
	}
	logger.Info("Stopped")
	return nil
}
