// Package controller keeps, for every FittingJob, its config ConfigMap and
// its CronJob in sync with the FittingJob. It is the only package that talks
// to the API server: informer events put FittingJob keys on a rate-limited
// workqueue, and workers run sync for each key, which reads the listers, asks
// the generator for the desired children, compares, writes what differs and
// records the outcome in the FittingJob's status.
package controller

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	ihpainformers "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/informers/externalversions/ihpa/v1beta2"
	ihpalisters "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/listers/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// Name is the controller's name: the workqueue's (and so its metrics'), and
// the source of the events it records.
const Name = "fittingjob-controller"

// configMapSuffix turns a FittingJob's name into its ConfigMap's
// (generator.ConfigMapName); ownerName goes the other way.
const configMapSuffix = "-config"

// fittingJobKind is the GroupVersionKind children's controller references
// must carry to map back to a FittingJob.
var fittingJobKind = ihpav1beta2.SchemeGroupVersion.WithKind("FittingJob")

// Controller reconciles FittingJobs with their ConfigMaps and CronJobs.
type Controller struct {
	kubeClient kubernetes.Interface
	ihpaClient clientset.Interface

	fittingJobs ihpalisters.FittingJobLister
	configMaps  corelisters.ConfigMapLister
	cronJobs    batchlisters.CronJobLister
	jobs        batchlisters.JobLister
	pods        corelisters.PodLister
	synced      []cache.InformerSynced

	queue    workqueue.TypedRateLimitingInterface[cache.ObjectName]
	recorder record.EventRecorder
	clock    clock.WithTicker
	grace    time.Duration
}

// Options tune a Controller.
type Options struct {
	// FreshnessGrace is how long past one schedule period a fit may
	// succeed before the forecast counts as overdue.
	FreshnessGrace time.Duration
	// Clock is the controller's (and its queue's) clock; nil is the real
	// one. Tests step a fake clock through time-based transitions.
	Clock clock.WithTicker
}

// DefaultFreshnessGrace is the default of Options.FreshnessGrace.
const DefaultFreshnessGrace = time.Hour

// New wires a Controller to its informers. The ConfigMap, CronJob, Job and
// Pod informers should be restricted to the controller's own objects with
// ManagedBySelector, so that it does not cache every ConfigMap or Pod in
// the cluster.
func New(
	kubeClient kubernetes.Interface,
	ihpaClient clientset.Interface,
	fittingJobInformer ihpainformers.FittingJobInformer,
	configMapInformer coreinformers.ConfigMapInformer,
	cronJobInformer batchinformers.CronJobInformer,
	jobInformer batchinformers.JobInformer,
	podInformer coreinformers.PodInformer,
	recorder record.EventRecorder,
	opts Options,
) (*Controller, error) {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	c := &Controller{
		kubeClient:  kubeClient,
		ihpaClient:  ihpaClient,
		fittingJobs: fittingJobInformer.Lister(),
		configMaps:  configMapInformer.Lister(),
		cronJobs:    cronJobInformer.Lister(),
		jobs:        jobInformer.Lister(),
		pods:        podInformer.Lister(),
		synced: []cache.InformerSynced{
			fittingJobInformer.Informer().HasSynced,
			configMapInformer.Informer().HasSynced,
			cronJobInformer.Informer().HasSynced,
			jobInformer.Informer().HasSynced,
			podInformer.Informer().HasSynced,
		},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: Name, Clock: opts.Clock},
		),
		recorder: recorder,
		clock:    opts.Clock,
		grace:    opts.FreshnessGrace,
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
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.handlePod,
		UpdateFunc: ifChanged(c.handlePod),
		DeleteFunc: c.handlePod,
	}); err != nil {
		return nil, fmt.Errorf("adding Pod event handler: %w", err)
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

	err := c.sync(ctx, key)
	switch {
	case err == nil:
		c.queue.Forget(key)
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

func (c *Controller) enqueueFittingJob(obj any) {
	key, err := cache.DeletionHandlingObjectToName(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(key)
}

// updateFittingJob skips updates that change neither the spec nor anything
// sync reads: the controller's own status writes come back as updates, and
// syncing on them would only read the caches again. Resyncs (same
// resourceVersion) are let through: they are the periodic safety net.
func (c *Controller) updateFittingJob(oldObj, newObj any) {
	oldFJ, newFJ := oldObj.(*ihpav1beta2.FittingJob), newObj.(*ihpav1beta2.FittingJob)
	if oldFJ.ResourceVersion != newFJ.ResourceVersion &&
		oldFJ.Generation == newFJ.Generation &&
		oldFJ.DeletionTimestamp.Equal(newFJ.DeletionTimestamp) {
		return
	}
	c.enqueueFittingJob(newObj)
}

// addChild ignores children that arrive with their controller reference:
// the controller created them itself (or lists them at start-up, when every
// FittingJob is queued anyway). Syncing on them would only race the status
// the creating sync has just written, with a stale copy from the cache.
// A labelled child without a controller reference is still queued, so that
// the reference is restored.
func (c *Controller) addChild(obj any) {
	if metav1.GetControllerOf(obj.(metav1.Object)) != nil {
		return
	}
	c.handleChild(obj)
}

func (c *Controller) updateChild(oldObj, newObj any) {
	if oldObj.(metav1.Object).GetResourceVersion() == newObj.(metav1.Object).GetResourceVersion() {
		// A resync of a child: the FittingJob's own resync covers it.
		return
	}
	c.handleChild(newObj)
}

// handleChild maps a ConfigMap or CronJob event to the FittingJob that
// controls it. A child whose controller reference was removed but which
// still carries the managed-by label maps to the FittingJob its name
// belongs to, so that the reference is restored.
func (c *Controller) handleChild(obj any) {
	child, ok := withoutTombstone(obj).(metav1.Object)
	if !ok {
		utilruntime.HandleError(fmt.Errorf("unexpected object in child event handler: %T", obj))
		return
	}
	if name, ok := ownerName(child); ok {
		c.enqueueIfExists(child.GetNamespace(), name)
	}
}

// withoutTombstone returns the object a delete event carries, whether the
// informer saw the deletion or only learnt of it on a relist.
func withoutTombstone(obj any) any {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return tombstone.Obj
	}
	return obj
}

// enqueueIfExists queues the FittingJob namespace/name if the cache holds
// it. Events of objects whose FittingJob is gone are dropped: garbage
// collection is removing them.
func (c *Controller) enqueueIfExists(namespace, name string) {
	if _, err := c.fittingJobs.FittingJobs(namespace).Get(name); err != nil {
		return
	}
	c.queue.Add(cache.ObjectName{Namespace: namespace, Name: name})
}

// ownerName is the name of the FittingJob child belongs to, if any.
func ownerName(child metav1.Object) (string, bool) {
	if ref := metav1.GetControllerOf(child); ref != nil {
		if ref.Kind != fittingJobKind.Kind || !strings.HasPrefix(ref.APIVersion, fittingJobKind.Group+"/") {
			return "", false
		}
		return ref.Name, true
	}
	if child.GetLabels()[generator.ManagedByLabel] != generator.ManagedByValue {
		return "", false
	}
	switch child.(type) {
	case *corev1.ConfigMap:
		return strings.CutSuffix(child.GetName(), configMapSuffix)
	case *batchv1.CronJob:
		return child.GetName(), true
	}
	return "", false
}
