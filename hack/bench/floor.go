package main

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

const configKey = generator.ConfigKey

// desired is generator.Desired with its ErrorList as an error.
func desired(fj *ihpav1beta2.FittingJob) (*generator.Children, error) {
	ch, errs := generator.Desired(fj)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return ch, nil
}

// floor is a bare client that sends exactly the writes the controller has
// to send and nothing else: no informers, no queue, no events, no re-reads.
// Its clients are the controller's: the controller's kubeconfig (same
// identity, impersonation and RBAC checks), the same QPS and burst, protobuf
// for built-in types, and as many goroutines as the controller has workers,
// each doing one FittingJob's writes back to back, while the users' own
// goroutines create or update the next ones.
type floor struct {
	kube    kubernetes.Interface
	ihpa    clientset.Interface
	workers int
}

// create is a first sync: the ConfigMap, the CronJob, then the status.
func (f *floor) create(ctx context.Context, fj *ihpav1beta2.FittingJob) error {
	want, err := desired(fj)
	if err != nil {
		return err
	}
	if _, err := f.kube.CoreV1().ConfigMaps(fj.Namespace).Create(ctx, want.ConfigMap, metav1.CreateOptions{}); err != nil {
		return err
	}
	cj, err := f.kube.BatchV1().CronJobs(fj.Namespace).Create(ctx, want.CronJob, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	return f.writeStatus(ctx, fj, cj)
}

// update is a sync after a spec change: the live children (as a cache
// holds them) updated to the desired ones, then the status.
func (f *floor) update(ctx context.Context, fj *ihpav1beta2.FittingJob, cm *corev1.ConfigMap, cj *batchv1.CronJob) error {
	want, err := desired(fj)
	if err != nil {
		return err
	}
	cm = cm.DeepCopy()
	cm.Data = want.ConfigMap.Data
	if _, err := f.kube.CoreV1().ConfigMaps(fj.Namespace).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		return err
	}
	cj = cj.DeepCopy()
	cj.Spec, cj.Annotations = want.CronJob.Spec, want.CronJob.Annotations
	if cj, err = f.kube.BatchV1().CronJobs(fj.Namespace).Update(ctx, cj, metav1.UpdateOptions{}); err != nil {
		return err
	}
	return f.writeStatus(ctx, fj, cj)
}

// writeStatus is the one status write of a sync, of the controller's
// shape: Ready=True Synced and ForecastFresh=Unknown AwaitingFirstFit (with
// a message of two timestamps, as the controller's), the schedule, the
// observed generation. The FittingJob is sent without managedFields, as
// the controller's cache holds it.
func (f *floor) writeStatus(ctx context.Context, fj *ihpav1beta2.FittingJob, cj *batchv1.CronJob) error {
	fj = fj.DeepCopy()
	fj.ManagedFields = nil
	s := &fj.Status
	s.Schedule, s.ObservedGeneration = cj.Spec.Schedule, fj.Generation
	meta.SetStatusCondition(&s.Conditions, metav1.Condition{
		Type: ihpav1beta2.ConditionReady, Status: metav1.ConditionTrue, Reason: ihpav1beta2.ReasonSynced, ObservedGeneration: fj.Generation,
		Message: fmt.Sprintf("floor: the children of %s written, CronJob %s", fj.Name, cj.Name),
	})
	now := time.Now().UTC()
	meta.SetStatusCondition(&s.Conditions, metav1.Condition{
		Type: ihpav1beta2.ConditionForecastFresh, Status: metav1.ConditionUnknown, Reason: ihpav1beta2.ReasonAwaitingFirstFit,
		Message: fmt.Sprintf("floor: no fit yet; first run at %s, overdue after %s.", now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)),
	})
	_, err := f.ihpa.IhpaV1beta2().FittingJobs(fj.Namespace).UpdateStatus(ctx, fj, metav1.UpdateOptions{})
	return err
}

// cold lists the namespace's FittingJobs, as the controller's informer does
// at start, then syncs each.
func (f *floor) cold(namespace string) func(context.Context) error {
	return func(ctx context.Context) error {
		list, err := f.ihpa.IhpaV1beta2().FittingJobs(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		return parallel(ctx, len(list.Items), f.workers, func(ctx context.Context, i int) error {
			return f.create(ctx, &list.Items[i])
		})
	}
}

// pipeline has the users do user(i) for every i with as many goroutines
// as in the controller's run, and the floor's goroutines sync each result
// as soon as it is there, as the controller's workers take what the users
// did off their queue.
func (f *floor) pipeline(ctx context.Context, n int, user func(context.Context, int) (*ihpav1beta2.FittingJob, error),
	sync func(context.Context, *ihpav1beta2.FittingJob) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan *ihpav1beta2.FittingJob, n)
	go func() {
		defer close(done)
		err := parallel(ctx, n, f.workers, func(ctx context.Context, i int) error {
			fj, err := user(ctx, i)
			if err == nil {
				done <- fj
			}
			return err
		})
		if err != nil {
			cancel(err)
		}
	}()
	var wg gosync.WaitGroup
	for range f.workers {
		wg.Go(func() {
			for fj := range done {
				if err := sync(ctx, fj); err != nil {
					cancel(err)
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// online: the users create the FittingJobs; the floor syncs each.
func (f *floor) online(users clientset.Interface, namespace string, n int) func(context.Context) error {
	return func(ctx context.Context) error {
		return f.pipeline(ctx, n, func(ctx context.Context, i int) (*ihpav1beta2.FittingJob, error) {
			return users.IhpaV1beta2().FittingJobs(namespace).Create(ctx, newFittingJob(namespace, i), metav1.CreateOptions{})
		}, f.create)
	}
}

// stormState is what the storm starts from: the FittingJobs and, for the
// floor, their live children by FittingJob name (the controller's cache).
type stormState struct {
	fjs []ihpav1beta2.FittingJob
	cms map[string]*corev1.ConfigMap
	cjs map[string]*batchv1.CronJob
}

// storm: the users update the FittingJobs' spec; the floor syncs each.
func (f *floor) storm(users clientset.Interface, st *stormState, image string) func(context.Context) error {
	return func(ctx context.Context) error {
		return f.pipeline(ctx, len(st.fjs), func(ctx context.Context, i int) (*ihpav1beta2.FittingJob, error) {
			return users.IhpaV1beta2().FittingJobs(st.fjs[i].Namespace).Update(ctx, withImage(&st.fjs[i], image), metav1.UpdateOptions{})
		}, func(ctx context.Context, fj *ihpav1beta2.FittingJob) error {
			cm, cj := st.cms[fj.Name], st.cjs[fj.Name]
			if cm == nil || cj == nil {
				return fmt.Errorf("children of %s/%s missing", fj.Namespace, fj.Name)
			}
			return f.update(ctx, fj, cm, cj)
		})
	}
}
