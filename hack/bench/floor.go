package main

import (
	"context"
	"fmt"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// floor is a bare client that sends exactly the writes the controller has
// to send, nothing else: no informers, no queue, no events, no re-reads.
// It is built like the controller's clients: the controller's kubeconfig
// (so the same identity, impersonation and RBAC checks), a Kubernetes
// clientset and a FittingJob clientset with the controller's QPS and burst
// each (client-go gives every clientset its own rate limiter, as in the
// controller), and as many goroutines as the controller has workers. The
// objects come from pkg/generator, with the spec-hash annotation the
// controller adds, so the payloads are the controller's.
type floor struct {
	kube    kubernetes.Interface
	ihpa    clientset.Interface
	workers int
}

// parallel runs do on 0..n-1 with workers goroutines and returns the first
// error.
func parallel(ctx context.Context, n, workers int, do func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := do(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return err
	}
	return nil
}

// desired is the controller's pair of children for fj.
func desired(fj *ihpav1beta2.FittingJob) (*corev1.ConfigMap, *batchv1.CronJob, error) {
	children, errs := generator.Desired(fj)
	if len(errs) > 0 {
		return nil, nil, errs.ToAggregate()
	}
	return children.ConfigMap, children.CronJob, nil
}

// readyStatus is the status the controller writes after a successful sync
// (pkg/controller/status.go and sync.go), built on fj's current status so
// that lastTransitionTime is kept as meta.SetStatusCondition keeps it.
func readyStatus(fj *ihpav1beta2.FittingJob, cm *corev1.ConfigMap, cj *batchv1.CronJob) *ihpav1beta2.FittingJobStatus {
	status := fj.Status.DeepCopy()
	status.Schedule = cj.Spec.Schedule
	status.LastScheduleTime = cj.Status.LastScheduleTime
	status.LastSuccessfulTime = cj.Status.LastSuccessfulTime
	meta.SetStatusCondition(&status.Conditions, metav1.Condition{
		Type:               ihpav1beta2.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             ihpav1beta2.ReasonSynced,
		Message:            fmt.Sprintf("ConfigMap %s and CronJob %s are in sync", cm.Name, cj.Name),
		ObservedGeneration: fj.Generation,
	})
	status.ObservedGeneration = fj.Generation
	return status
}

// updateStatus writes status on fj (whose managedFields are dropped, as in
// the controller's cache) unless it is already there.
func (f *floor) updateStatus(ctx context.Context, fj *ihpav1beta2.FittingJob, status *ihpav1beta2.FittingJobStatus) error {
	if equality.Semantic.DeepEqual(&fj.Status, status) {
		return nil
	}
	updated := fj.DeepCopy()
	updated.ManagedFields = nil
	updated.Status = *status
	_, err := f.ihpa.IhpaV1beta2().FittingJobs(fj.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	return err
}

// createChildren is a first sync: create the ConfigMap, then the CronJob,
// then write the status, as the controller's sync does.
func (f *floor) createChildren(ctx context.Context, fj *ihpav1beta2.FittingJob) error {
	cm, cj, err := desired(fj)
	if err != nil {
		return err
	}
	if cm, err = f.kube.CoreV1().ConfigMaps(fj.Namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return err
	}
	if cj, err = f.kube.BatchV1().CronJobs(fj.Namespace).Create(ctx, cj, metav1.CreateOptions{}); err != nil {
		return err
	}
	return f.updateStatus(ctx, fj, readyStatus(fj, cm, cj))
}

// cold lists the namespace's FittingJobs, as the controller's informer
// does at start, and creates the children of each and writes its status.
func (f *floor) cold(ctx context.Context, namespace string) error {
	list, err := f.ihpa.IhpaV1beta2().FittingJobs(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	return parallel(ctx, len(list.Items), f.workers, func(ctx context.Context, i int) error {
		return f.createChildren(ctx, &list.Items[i])
	})
}

// online has each worker create a FittingJob with the creator's client,
// then at once its children and its status.
func (f *floor) online(ctx context.Context, creator clientset.Interface, fjs []*ihpav1beta2.FittingJob, concurrency int) error {
	return parallel(ctx, len(fjs), concurrency, func(ctx context.Context, i int) error {
		created, err := creator.IhpaV1beta2().FittingJobs(fjs[i].Namespace).Create(ctx, fjs[i], metav1.CreateOptions{})
		if err != nil {
			return err
		}
		return f.createChildren(ctx, created)
	})
}

// storm has each worker update a FittingJob's spec with the creator's
// client, then at once its ConfigMap and its CronJob, starting from the
// live objects listed beforehand (the controller's cache). Statuses are
// left for fixStatuses, outside the timed part.
func (f *floor) storm(ctx context.Context, creator clientset.Interface, fjs []ihpav1beta2.FittingJob,
	cms map[string]*corev1.ConfigMap, cjs map[string]*batchv1.CronJob, change func(*ihpav1beta2.FittingJob), concurrency int,
	updated []*ihpav1beta2.FittingJob) error {
	return parallel(ctx, len(fjs), concurrency, func(ctx context.Context, i int) error {
		fj := fjs[i].DeepCopy()
		change(fj)
		fj, err := creator.IhpaV1beta2().FittingJobs(fj.Namespace).Update(ctx, fj, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		updated[i] = fj
		cm, cj, err := desired(fj)
		if err != nil {
			return err
		}
		liveCM, liveCJ := cms[cm.Name], cjs[cj.Name]
		if liveCM == nil || liveCJ == nil {
			return fmt.Errorf("children of %s/%s missing", fj.Namespace, fj.Name)
		}
		liveCM = liveCM.DeepCopy()
		liveCM.Data = cm.Data
		if _, err := f.kube.CoreV1().ConfigMaps(fj.Namespace).Update(ctx, liveCM, metav1.UpdateOptions{}); err != nil {
			return err
		}
		liveCJ = liveCJ.DeepCopy()
		liveCJ.Spec = cj.Spec
		liveCJ.Annotations[generator.SpecHashAnnotation] = cj.Annotations[generator.SpecHashAnnotation]
		_, err = f.kube.BatchV1().CronJobs(fj.Namespace).Update(ctx, liveCJ, metav1.UpdateOptions{})
		return err
	})
}

// fixStatuses writes the Ready status of each updated FittingJob, so that
// the controller finds nothing to do when it starts again.
func (f *floor) fixStatuses(ctx context.Context, fjs []*ihpav1beta2.FittingJob) error {
	return parallel(ctx, len(fjs), f.workers, func(ctx context.Context, i int) error {
		cm, cj, err := desired(fjs[i])
		if err != nil {
			return err
		}
		return f.updateStatus(ctx, fjs[i], readyStatus(fjs[i], cm, cj))
	})
}
