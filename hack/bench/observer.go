package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// state is one FittingJob and its children as the observer last saw them.
type state struct {
	fj *ihpav1beta2.FittingJob
	cm *corev1.ConfigMap
	cj *batchv1.CronJob
}

// predicate is a condition on one FittingJob and its children; the
// observer records when it holds for all n FittingJobs.
type predicate struct {
	name   string
	holds  func(state) bool
	met    map[string]bool
	doneAt time.Time // the last time the count reached n
	done   chan struct{}
}

// observer watches the FittingJobs, ConfigMaps and CronJobs of one
// namespace with the admin client, independently of the controller and of
// the floor, so that both are timed by the same clock: the instant the
// API server's watch shows the result. It also counts watch events, i.e.
// the writes that reached the objects.
type observer struct {
	namespace string
	n         int

	mu      sync.Mutex
	objects map[string]*state
	preds   []*predicate
	events  map[string]float64 // "Kind TYPE"
	err     error

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// observe lists the namespace's FittingJobs, ConfigMaps and CronJobs and
// watches them from there until stop.
func observe(ctx context.Context, kube kubernetes.Interface, ihpa clientset.Interface, namespace string, n int, preds ...*predicate) (*observer, error) {
	o := &observer{namespace: namespace, n: n, objects: map[string]*state{}, preds: preds, events: map[string]float64{}}
	for _, p := range preds {
		p.met = map[string]bool{}
		p.done = make(chan struct{})
	}
	ctx, o.cancel = context.WithCancel(ctx)

	fjs, err := ihpa.IhpaV1beta2().FittingJobs(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	cms, err := kube.CoreV1().ConfigMaps(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	cjs, err := kube.BatchV1().CronJobs(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	for i := range fjs.Items {
		o.apply(watch.Added, &fjs.Items[i], false)
	}
	for i := range cms.Items {
		o.apply(watch.Added, &cms.Items[i], false)
	}
	for i := range cjs.Items {
		o.apply(watch.Added, &cjs.Items[i], false)
	}
	o.mu.Unlock()

	watchers := []struct {
		rv string
		w  func(context.Context, metav1.ListOptions) (watch.Interface, error)
	}{
		{fjs.ResourceVersion, func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return ihpa.IhpaV1beta2().FittingJobs(namespace).Watch(ctx, opts)
		}},
		{cms.ResourceVersion, func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return kube.CoreV1().ConfigMaps(namespace).Watch(ctx, opts)
		}},
		{cjs.ResourceVersion, func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return kube.BatchV1().CronJobs(namespace).Watch(ctx, opts)
		}},
	}
	for _, w := range watchers {
		rw, err := watchtools.NewRetryWatcherWithContext(ctx, w.rv, &cache.ListWatch{WatchFuncWithContext: w.w})
		if err != nil {
			o.cancel()
			return nil, err
		}
		o.wg.Go(func() {
			defer rw.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-rw.ResultChan():
					if !ok {
						return
					}
					if ev.Type == watch.Error {
						o.mu.Lock()
						o.err = fmt.Errorf("watch in %s: %v", namespace, ev.Object)
						o.mu.Unlock()
						continue
					}
					o.mu.Lock()
					o.apply(ev.Type, ev.Object, true)
					o.mu.Unlock()
				}
			}
		})
	}
	return o, nil
}

func (o *observer) stop() {
	o.cancel()
	o.wg.Wait()
}

// apply records one object; count says whether it is a watch event (not
// the initial list). It runs under o.mu.
func (o *observer) apply(t watch.EventType, obj runtime.Object, count bool) {
	var key, kind string
	switch obj := obj.(type) {
	case *ihpav1beta2.FittingJob:
		key, kind = obj.Name, "FittingJob"
		s := o.entry(key)
		s.fj = obj
		if t == watch.Deleted {
			s.fj = nil
		}
	case *corev1.ConfigMap:
		kind = "ConfigMap"
		name, ok := strings.CutSuffix(obj.Name, "-config")
		if ok {
			key = name
			s := o.entry(key)
			s.cm = obj
			if t == watch.Deleted {
				s.cm = nil
			}
		}
	case *batchv1.CronJob:
		key, kind = obj.Name, "CronJob"
		s := o.entry(key)
		s.cj = obj
		if t == watch.Deleted {
			s.cj = nil
		}
	default:
		return
	}
	if count {
		o.events[kind+" "+string(t)]++
	}
	if key == "" {
		return
	}
	s := o.objects[key]
	now := time.Now()
	for _, p := range o.preds {
		was := p.met[key]
		is := p.holds(*s)
		if is == was {
			continue
		}
		if is {
			p.met[key] = true
			if len(p.met) == o.n {
				p.doneAt = now
				select {
				case <-p.done:
				default:
					close(p.done)
				}
			}
		} else {
			delete(p.met, key)
		}
	}
}

func (o *observer) entry(key string) *state {
	s := o.objects[key]
	if s == nil {
		s = &state{}
		o.objects[key] = s
	}
	return s
}

// wait returns the instant p held for all n FittingJobs, waiting up to
// timeout for it.
func (o *observer) wait(ctx context.Context, p *predicate, timeout time.Duration, alive func() error) (time.Time, error) {
	deadline := time.After(timeout)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			o.mu.Lock()
			defer o.mu.Unlock()
			return p.doneAt, nil
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-deadline:
			o.mu.Lock()
			defer o.mu.Unlock()
			return time.Time{}, fmt.Errorf("%s: %d of %d after %v (watch error: %v)", p.name, len(p.met), o.n, timeout, o.err)
		case <-tick.C:
			if alive != nil {
				if err := alive(); err != nil {
					return time.Time{}, err
				}
			}
		}
	}
}

// eventCounts is a copy of the watch events counted so far.
func (o *observer) eventCounts() map[string]float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make(map[string]float64, len(o.events))
	for k, v := range o.events {
		out[k] = v
	}
	return out
}

// countMet is how many FittingJobs satisfy p now.
func (o *observer) countMet(p *predicate) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(p.met)
}

// inSync says that fj's Ready condition is True (Synced) for its current
// generation.
func inSync(fj *ihpav1beta2.FittingJob) bool {
	if fj == nil {
		return false
	}
	c := meta.FindStatusCondition(fj.Status.Conditions, ihpav1beta2.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.Reason == ihpav1beta2.ReasonSynced &&
		c.ObservedGeneration == fj.Generation && fj.Status.ObservedGeneration == fj.Generation
}

// childrenMatch says that both children exist and carry what the generator
// makes of fj now: the whole config.json and the CronJob's container image
// and schedule.
func childrenMatch(s state) bool {
	if s.fj == nil || s.cm == nil || s.cj == nil {
		return false
	}
	children, errs := generator.Desired(s.fj)
	if len(errs) > 0 || s.cm.Data[generator.ConfigKey] != children.ConfigMap.Data[generator.ConfigKey] {
		return false
	}
	cj := children.CronJob
	live := s.cj.Spec.JobTemplate.Spec.Template.Spec.Containers
	want := cj.Spec.JobTemplate.Spec.Template.Spec.Containers
	return len(live) == 1 && live[0].Image == want[0].Image && s.cj.Spec.Schedule == cj.Spec.Schedule
}

// readyWithChildren: the FittingJob is Ready for its generation and both
// children carry its current spec.
func readyWithChildren() *predicate {
	return &predicate{name: "Ready with both children", holds: func(s state) bool {
		return inSync(s.fj) && childrenMatch(s)
	}}
}

// childrenReflect: the FittingJob's spec has image, and both children
// carry that spec.
func childrenReflect(image string) *predicate {
	return &predicate{name: "children reflect " + image, holds: func(s state) bool {
		return s.fj != nil && s.fj.Spec.Image == image && childrenMatch(s)
	}}
}

// readyWithImage: childrenReflect and Ready for the new generation.
func readyWithImage(image string) *predicate {
	return &predicate{name: "Ready with " + image, holds: func(s state) bool {
		return s.fj != nil && s.fj.Spec.Image == image && inSync(s.fj) && childrenMatch(s)
	}}
}
