// Package controller keeps, for every FittingJob, its config ConfigMap and
// its CronJob in sync with the FittingJob. It is the only package that talks
// to the API server: informer events put FittingJob keys on a rate-limited
// workqueue, and workers run sync for each key, which reads the listers, asks
// the generator for the desired children, compares, writes what differs and
// records the outcome in the FittingJob's status.
package controller

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	batchinformers "k8s.io/client-go/informers/batch/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	ihpainformers "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/informers/externalversions/ihpa/v1beta2"
	ihpalisters "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/listers/ihpa/v1beta2"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// Name is the controller's name: the workqueue's (and so its metrics'), and
// the source of the events it records.
const Name = ihpav1beta2.ControllerName

// Controller reconciles FittingJobs with their ConfigMaps and CronJobs.
type Controller struct {
	kubeClient kubernetes.Interface
	ihpaClient clientset.Interface

	fittingJobs ihpalisters.FittingJobLister
	configMaps  corelisters.ConfigMapLister
	cronJobs    batchlisters.CronJobLister
	jobs        batchlisters.JobLister
	// runIndex finds a FittingJob's Jobs, and podIndex their Pods, by
	// byFittingJob, without walking every Job or Pod of the namespace;
	// failedCreateIndex a Job's FailedCreate events, by byJob.
	runIndex          cache.Indexer
	podIndex          cache.Indexer
	failedCreateIndex cache.Indexer
	// workloadIndex finds a Job's Kueue Workload, by byJob; nil where the
	// controller reads no Workloads, for the reason workloadsUnwatched
	// gives (kueue.go).
	workloadIndex      cache.Indexer
	workloadsUnwatched string
	synced             []cache.InformerSynced

	verified  verifiedSet
	schedules scheduleCache
	// lastInputs holds what each FittingJob's last complete sync observed,
	// for the resync to tell whether anything changed (unchanged.go).
	lastInputs keyed[inputs]
	// seriesSetAt is the resourceVersion of each FittingJob whose
	// per-FittingJob series were last set from its recorded status.
	seriesSetAt keyed[string]

	// syncHandler is sync; tests replace it.
	syncHandler func(ctx context.Context, key cache.ObjectName) (requeueAfter time.Duration, err error)

	queue    workqueue.TypedRateLimitingInterface[cache.ObjectName]
	recorder record.EventRecorder
	clock    clock.WithTicker
	grace    time.Duration
	resync   time.Duration
}

// Options tune a Controller.
type Options struct {
	// FreshnessGrace is how long past one schedule period a fit may
	// succeed before the forecast counts as overdue.
	FreshnessGrace time.Duration
	// ResyncPeriod is how often every FittingJob is looked at again
	// without any event (resync.go); zero never.
	ResyncPeriod time.Duration
	// Clock is the controller's (and its queue's) clock; nil is the real
	// one. Tests step a fake clock through time-based transitions.
	Clock clock.WithTicker
	// WorkloadInformer informs of Kueue's Workloads (unstructured, with
	// TrimWorkload as its transform), where the cluster serves Kueue's
	// API (WorkloadsResource); nil elsewhere.
	WorkloadInformer cache.SharedIndexInformer
	// WorkloadsUnwatched says, without a WorkloadInformer, why the
	// controller reads no Workloads (no Kueue API, or no right to list
	// them); queued runs quote it.
	WorkloadsUnwatched string
}

// DefaultFreshnessGrace is the default of Options.FreshnessGrace.
const DefaultFreshnessGrace = time.Hour

// New wires a Controller to its informers. The ConfigMap, CronJob, Job and
// Pod informers should be restricted to the controller's own objects with
// ManagedBySelector, so that it does not cache every ConfigMap or Pod in
// the cluster. None of the informers needs a resync period: the
// controller resyncs FittingJobs itself (Options.ResyncPeriod).
func New(
	kubeClient kubernetes.Interface,
	ihpaClient clientset.Interface,
	fittingJobInformer ihpainformers.FittingJobInformer,
	configMapInformer coreinformers.ConfigMapInformer,
	cronJobInformer batchinformers.CronJobInformer,
	jobInformer batchinformers.JobInformer,
	podInformer coreinformers.PodInformer,
	failedCreateInformer coreinformers.EventInformer,
	recorder record.EventRecorder,
	opts Options,
) (*Controller, error) {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	c := &Controller{
		kubeClient:        kubeClient,
		ihpaClient:        ihpaClient,
		fittingJobs:       fittingJobInformer.Lister(),
		configMaps:        configMapInformer.Lister(),
		cronJobs:          cronJobInformer.Lister(),
		jobs:              jobInformer.Lister(),
		runIndex:          jobInformer.Informer().GetIndexer(),
		podIndex:          podInformer.Informer().GetIndexer(),
		failedCreateIndex: failedCreateInformer.Informer().GetIndexer(),
		synced: []cache.InformerSynced{
			fittingJobInformer.Informer().HasSynced,
			configMapInformer.Informer().HasSynced,
			cronJobInformer.Informer().HasSynced,
			jobInformer.Informer().HasSynced,
			podInformer.Informer().HasSynced,
			failedCreateInformer.Informer().HasSynced,
		},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: Name, Clock: opts.Clock},
		),
		recorder: boundedRecorder{recorder},
		clock:    opts.Clock,
		grace:    opts.FreshnessGrace,
		resync:   opts.ResyncPeriod,
	}
	c.syncHandler = c.sync

	for _, informer := range []cache.SharedIndexInformer{jobInformer.Informer(), podInformer.Informer()} {
		if err := informer.AddIndexers(cache.Indexers{byFittingJob: fittingJobOfRun}); err != nil {
			return nil, fmt.Errorf("adding the FittingJob index: %w", err)
		}
	}
	if err := failedCreateInformer.Informer().AddIndexers(cache.Indexers{byJob: jobOfEvent}); err != nil {
		return nil, fmt.Errorf("adding the Job index of events: %w", err)
	}
	if _, err := fittingJobInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueFittingJob,
		UpdateFunc: c.updateFittingJob,
		DeleteFunc: c.enqueueFittingJob,
	}); err != nil {
		return nil, fmt.Errorf("adding FittingJob event handler: %w", err)
	}
	children := cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addChild,
		UpdateFunc: c.updateChild,
		DeleteFunc: c.handleChild,
	}
	if _, err := configMapInformer.Informer().AddEventHandler(children); err != nil {
		return nil, fmt.Errorf("adding ConfigMap event handler: %w", err)
	}
	if _, err := cronJobInformer.Informer().AddEventHandler(children); err != nil {
		return nil, fmt.Errorf("adding CronJob event handler: %w", err)
	}
	if _, err := jobInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.handleJob,
		UpdateFunc: ifChanged(c.handleJob),
		DeleteFunc: c.handleJob,
	}); err != nil {
		return nil, fmt.Errorf("adding Job event handler: %w", err)
	}
	if _, err := failedCreateInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.handleFailedCreate,
		UpdateFunc: ifChanged(c.handleFailedCreate),
	}); err != nil {
		return nil, fmt.Errorf("adding event handler of FailedCreate events: %w", err)
	}
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.handlePod,
		UpdateFunc: ifChanged(c.handlePod),
		DeleteFunc: c.handlePod,
	}); err != nil {
		return nil, fmt.Errorf("adding Pod event handler: %w", err)
	}
	if workloads := opts.WorkloadInformer; workloads != nil {
		if err := workloads.AddIndexers(cache.Indexers{byJob: jobOfWorkload}); err != nil {
			return nil, fmt.Errorf("adding the Job index of Workloads: %w", err)
		}
		if _, err := workloads.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    c.handleWorkload,
			UpdateFunc: ifChanged(c.handleWorkload),
			DeleteFunc: c.handleWorkload,
		}); err != nil {
			return nil, fmt.Errorf("adding Workload event handler: %w", err)
		}
		c.workloadIndex = workloads.GetIndexer()
		c.synced = append(c.synced, workloads.HasSynced)
	} else {
		c.workloadsUnwatched = cmp.Or(opts.WorkloadsUnwatched, "the cluster serves no Kueue API ("+KueueGroup+" Workloads)")
	}
	return c, nil
}

// Run waits for the caches, then runs workers until ctx is cancelled. On
// cancellation it stops handing out keys and returns once every worker has
// finished the key it was syncing.
func (c *Controller) Run(ctx context.Context, workers int) error {
	defer utilruntime.HandleCrash()
	logger := klog.FromContext(ctx)

	logger.Info("Starting controller", "workers", workers)
	if !cache.WaitForNamedCacheSync(Name, ctx.Done(), c.synced...) {
		c.queue.ShutDown()
		return fmt.Errorf("caches did not sync before shutdown")
	}

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { wait.UntilWithContext(ctx, c.runWorker, time.Second) })
	}
	if c.resync > 0 {
		wg.Go(func() { c.resyncEvery(ctx, c.resync) })
	}
	<-ctx.Done()
	logger.Info("Shutting down controller, draining workers")
	c.queue.ShutDownWithDrain()
	wg.Wait()
	return nil
}

// HasSynced reports whether the informer caches have synced, for /readyz.
func (c *Controller) HasSynced() bool {
	for _, synced := range c.synced {
		if !synced() {
			return false
		}
	}
	return true
}

func (c *Controller) runWorker(ctx context.Context) {
	for c.processNextItem(ctx) {
	}
}

func (c *Controller) processNextItem(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)
	if ctx.Err() != nil {
		// The controller is stopping, or has lost the Lease: another
		// replica may lead already, and must be the only one writing. The
		// keys still queued are dropped; the next leader syncs every
		// FittingJob when it starts.
		return false
	}

	requeueAfter, err := c.syncContained(ctx, key)
	switch {
	case err == nil:
		c.queue.Forget(key)
		if requeueAfter > 0 {
			c.queue.AddAfter(key, requeueAfter)
		}
		return true
	case apierrors.IsConflict(err):
		// A write met a newer version than the cache had; the retry reads
		// the fresher cache. Routine, not worth an error log.
		klog.FromContext(ctx).V(2).Info("Write conflict, requeuing", "fittingJob", key, "err", err)
	default:
		utilruntime.HandleErrorWithContext(ctx, err, "Syncing FittingJob failed, requeuing", "fittingJob", key)
	}
	c.queue.AddRateLimited(key)
	return true
}
