package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// benchImage is the fitting image of the FittingJobs as created; the storm
// changes it.
const benchImage = "registry.example.com/fittingjob:v1"

// prepConcurrency is how many goroutines prepare fixtures (untimed).
const prepConcurrency = 16

// newFittingJob is the i-th FittingJob, shaped like those the IHPA
// controller creates (dataConfigMap, serviceAccountName, a metric
// selector), with change-point detection on. It is suspended so that
// kube-controller-manager's CronJob controller never starts a Job during
// the bench, whatever the hour.
func newFittingJob(namespace string, i int) *ihpav1beta2.FittingJob {
	name := fmt.Sprintf("ihpa-web%05d-http-requests-total", i)
	return testutil.FittingJob(namespace, name, testutil.WithImage(benchImage), testutil.WithSeasonality(ihpav1beta2.SeasonalityDaily),
		func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ServiceAccountName = fmt.Sprintf("ihpa-web%05d", i)
			fj.Spec.ChangePointDetectionConfig = &ihpav1beta2.ChangePointDetectionConfig{}
			fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: name}
			fj.Spec.Metric.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"job": fmt.Sprintf("web%05d", i)}}
			fj.Spec.Suspend = ptr.To(true)
		})
}

// withImage is the storm's change of a FittingJob: the image, and the
// customConfig, so that both children change.
func withImage(fj *ihpav1beta2.FittingJob, image string) *ihpav1beta2.FittingJob {
	fj = fj.DeepCopy()
	fj.Spec.Image = image
	fj.Spec.CustomConfig = `{"image":"` + image + `"}`
	return fj
}

// parallel runs do on 0..n-1 with workers goroutines, each taking the next
// index as soon as it is free, and returns the first error.
func parallel(ctx context.Context, n, workers int, do func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				if err := do(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// createFittingJobs creates the namespace and N FittingJobs in it as the
// admin (untimed preparation).
func (b *bench) createFittingJobs(namespace string) func(context.Context) error {
	return func(ctx context.Context) error {
		progress("creating %d FittingJobs in %s", b.opts.n, namespace)
		if err := b.createNamespace(ctx, namespace); err != nil {
			return err
		}
		return parallel(ctx, b.opts.n, prepConcurrency, func(ctx context.Context, i int) error {
			_, err := b.adminIhpa.IhpaV1beta2().FittingJobs(namespace).Create(ctx, newFittingJob(namespace, i), metav1.CreateOptions{})
			return err
		})
	}
}

func (b *bench) createNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	_, err := b.admin.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	return err
}

// drop deletes a namespace and waits until it is gone, so that its
// deletion does not load the API server during the next measurement.
func (b *bench) drop(ctx context.Context, name string) error {
	progress("deleting namespace %s", name)
	err := b.admin.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return poll(ctx, 500*time.Millisecond, 2*b.opts.timeout, "deleting namespace "+name, func(ctx context.Context) (bool, error) {
		_, err := b.admin.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

// createConfigMaps creates the namespace and -unrelated ConfigMaps of
// 1 KiB in it, with labels, and checks that they all exist:
// a memory figure is only worth its label if every object is there.
func (b *bench) createConfigMaps(namespace string, labels map[string]string) func(context.Context) error {
	return func(ctx context.Context) error {
		o := b.opts
		progress("creating %d ConfigMaps (labels %v) in %s", o.unrelated, labels, namespace)
		if err := b.createNamespace(ctx, namespace); err != nil {
			return err
		}
		data := map[string]string{"data": strings.Repeat("x", 1024)}
		err := parallel(ctx, o.unrelated, prepConcurrency, func(ctx context.Context, i int) error {
			cm := &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: fmt.Sprintf("unrelated-%05d", i), Labels: labels},
				Data:       data,
			}
			_, err := b.admin.CoreV1().ConfigMaps(namespace).Create(ctx, cm, metav1.CreateOptions{})
			return err
		})
		if err != nil {
			return err
		}
		// One item, and the API server tells how many remain.
		list, err := b.admin.CoreV1().ConfigMaps(namespace).List(ctx, metav1.ListOptions{Limit: 1})
		if err != nil {
			return err
		}
		have := len(list.Items) + int(ptr.Deref(list.RemainingItemCount, 0))
		if have < o.unrelated {
			return fmt.Errorf("%d ConfigMaps in %s, %d created", have, namespace, o.unrelated)
		}
		return nil
	}
}
