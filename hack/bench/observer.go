package main

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// observed is what the observer keeps of one FittingJob and its children:
// only what convergence is judged by, so that 10,000 of them stay small.
type observed struct {
	ready                bool   // Ready=True Synced for its generation, with the target image
	wantConfig, wantHash string // of generator.Desired for the FittingJob as last seen
	haveConfig, haveHash string // of the live ConfigMap and CronJob
	converged            bool
}

// observer watches the FittingJobs, ConfigMaps and CronJobs of one
// namespace with the admin's client, independently of the controller and
// of the floor, so that both are timed by one clock: the instant the API
// server's watch shows the result. A FittingJob has converged when it is
// Ready for its generation with the target image, and both children carry
// what generator.Desired makes of it. It also counts watch events: the
// writes that reached the objects.
type observer struct {
	namespace, image string
	n                int

	mu        sync.Mutex
	jobs      map[string]*observed
	converged int
	events    map[string]float64 // by "Kind TYPE"
	done      chan struct{}      // closed the first time all N converged
	doneOnce  sync.Once
	err       error

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// kindWatch lists one kind in the namespace, and watches it from the
// list's resourceVersion.
type kindWatch struct {
	list  func(context.Context, metav1.ListOptions) (runtime.Object, error)
	watch func(context.Context, metav1.ListOptions) (watch.Interface, error)
}

func (b *bench) observe(ctx context.Context, namespace, image string) (*observer, error) {
	o := &observer{namespace: namespace, image: image, n: b.opts.n, jobs: map[string]*observed{},
		events: map[string]float64{}, done: make(chan struct{})}
	ctx, o.cancel = context.WithCancel(ctx)
	fjs, cms, cjs := b.adminIhpa.IhpaV1beta2().FittingJobs(namespace), b.admin.CoreV1().ConfigMaps(namespace), b.admin.BatchV1().CronJobs(namespace)
	kinds := []kindWatch{
		{func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) { return fjs.List(ctx, opts) }, fjs.Watch},
		{func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) { return cms.List(ctx, opts) }, cms.Watch},
		{func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) { return cjs.List(ctx, opts) }, cjs.Watch},
	}
	for _, k := range kinds {
		// In pages, so that 10,000 objects are never all in memory at
		// once; every page is of the first one's snapshot.
		var rv string
		for opts := (metav1.ListOptions{Limit: 500}); ; {
			list, err := k.list(ctx, opts)
			if err != nil {
				o.stop()
				return nil, err
			}
			items, _ := meta.ExtractList(list)
			o.mu.Lock()
			for _, item := range items {
				o.apply(watch.Added, item)
			}
			o.mu.Unlock()
			l, _ := meta.ListAccessor(list)
			if rv, opts.Continue = l.GetResourceVersion(), l.GetContinue(); opts.Continue == "" {
				break
			}
		}
		rw, err := watchtools.NewRetryWatcherWithContext(ctx, rv, &cache.ListWatch{WatchFuncWithContext: k.watch})
		if err != nil {
			o.stop()
			return nil, err
		}
		o.wg.Go(func() {
			defer rw.Stop()
			for ev := range rw.ResultChan() {
				o.mu.Lock()
				if ev.Type == watch.Error {
					o.err = fmt.Errorf("watch in %s: %v", namespace, ev.Object)
				} else {
					o.events[o.apply(ev.Type, ev.Object)+" "+string(ev.Type)]++
				}
				o.mu.Unlock()
			}
		})
	}
	return o, nil
}

func (o *observer) stop() {
	o.cancel()
	o.wg.Wait()
}

// apply records one object and returns its kind; it runs under o.mu.
func (o *observer) apply(t watch.EventType, obj runtime.Object) string {
	gone := t == watch.Deleted
	var s *observed
	var kind string
	switch obj := obj.(type) {
	case *ihpav1beta2.FittingJob:
		kind, s = "FittingJob", o.entry(obj.Name)
		s.ready = !gone && obj.Spec.Image == o.image && ready(obj)
		s.wantConfig, s.wantHash = "", ""
		if want, err := desired(obj); err == nil && !gone {
			s.wantConfig, s.wantHash = want.ConfigMap.Data[configKey], want.CronJob.Annotations[ihpav1beta2.SpecHashAnnotation]
		}
	case *corev1.ConfigMap:
		owner, ok := generator.OwnerOf(obj)
		if !ok {
			return "ConfigMap"
		}
		kind, s = "ConfigMap", o.entry(owner)
		s.haveConfig = ""
		if !gone {
			s.haveConfig = obj.Data[configKey]
		}
	case *batchv1.CronJob:
		owner, ok := generator.OwnerOf(obj)
		if !ok {
			return "CronJob"
		}
		kind, s = "CronJob", o.entry(owner)
		s.haveHash = ""
		if !gone {
			s.haveHash = obj.Annotations[ihpav1beta2.SpecHashAnnotation]
		}
	default:
		return fmt.Sprintf("%T", obj)
	}
	was := s.converged
	s.converged = s.ready && s.wantHash != "" && s.haveConfig == s.wantConfig && s.haveHash == s.wantHash
	switch {
	case s.converged && !was:
		o.converged++
		if o.converged == o.n {
			o.doneOnce.Do(func() { close(o.done) })
		}
	case was && !s.converged:
		o.converged--
	}
	return kind
}

func (o *observer) entry(name string) *observed {
	s := o.jobs[name]
	if s == nil {
		s = &observed{}
		o.jobs[name] = s
	}
	return s
}

// ready says that fj's Ready condition is True (Synced) for its current
// generation.
func ready(fj *ihpav1beta2.FittingJob) bool {
	c := meta.FindStatusCondition(fj.Status.Conditions, ihpav1beta2.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.Reason == ihpav1beta2.ReasonSynced &&
		c.ObservedGeneration == fj.Generation && fj.Status.ObservedGeneration == fj.Generation
}

// wait returns when all N FittingJobs have converged, failing after
// timeout or when alive does.
func (o *observer) wait(ctx context.Context, timeout time.Duration, alive func() error) error {
	deadline := time.After(timeout)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-o.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			o.mu.Lock()
			defer o.mu.Unlock()
			return fmt.Errorf("%d of %d converged in %s after %v (watch error: %v)", o.converged, o.n, o.namespace, timeout, o.err)
		case <-tick.C:
			if err := alive(); err != nil {
				return err
			}
		}
	}
}

// counts are the watch events so far and the FittingJobs converged now.
func (o *observer) counts() (map[string]float64, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps.Clone(o.events), o.converged
}
