package controller

import (
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// observed is what a sync reads of a FittingJob's world, from the informer
// caches only.
type observed struct {
	// configMap and cronJob are the cached objects with the children's
	// names, whoever controls them; nil when the cache has none.
	configMap *corev1.ConfigMap
	cronJob   *batchv1.CronJob
	// jobs are the FittingJob's runs, and newest the one started last
	// (nil without any); pods are newest's Pods, newest first.
	jobs   []*batchv1.Job
	newest *batchv1.Job
	pods   []*corev1.Pod
	// failedCreate is the Job controller's latest FailedCreate event on
	// newest, nil without any.
	failedCreate *corev1.Event
	// workload is newest's Kueue Workload while newest waits for Kueue,
	// nil otherwise or without one; queued says why newest waits for
	// Kueue, nil when it does not (kueue.go).
	workload *unstructured.Unstructured
	queued   *queueWait
}

// observe reads what fj's sync needs from the listers.
func (c *Controller) observe(fj *ihpav1beta2.FittingJob) (*observed, error) {
	var seen observed
	var err error
	if seen.configMap, err = orNil(c.configMaps.ConfigMaps(fj.Namespace).Get(generator.ConfigMapName(fj))); err != nil {
		return nil, err
	}
	if seen.cronJob, err = orNil(c.cronJobs.CronJobs(fj.Namespace).Get(generator.CronJobName(fj))); err != nil {
		return nil, err
	}
	if seen.jobs, err = c.runs(fj); err != nil {
		return nil, err
	}
	if seen.newest = newestJob(seen.jobs); seen.newest != nil {
		if seen.pods, err = c.podsOf(seen.newest); err != nil {
			return nil, err
		}
		if seen.failedCreate, err = c.latestFailedCreate(seen.newest); err != nil {
			return nil, err
		}
		if waitsForKueue(seen.newest) {
			if c.workloadIndex != nil {
				if seen.workload, err = c.workloadOf(seen.newest); err != nil {
					return nil, err
				}
			}
			seen.queued = queueWaitOf(seen.newest, seen.workload, c.workloadsUnwatched)
		}
	}
	return &seen, nil
}

// orNil turns a lister's NotFound into a nil object.
func orNil[T any](obj *T, err error) (*T, error) {
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return obj, err
}

// byFittingJob indexes Jobs and Pods by the FittingJob their label names,
// as "namespace/name".
const byFittingJob = "fittingjob"

func fittingJobOfRun(obj any) ([]string, error) {
	run, ok := obj.(metav1.Object)
	if !ok {
		return nil, nil
	}
	name := run.GetLabels()[ihpav1beta2.FittingJobNameLabel]
	if name == "" {
		return nil, nil
	}
	return []string{run.GetNamespace() + "/" + name}, nil
}

// runs lists the Jobs of fj from the cache: those labelled with its name in
// its namespace, created since fj was (a Job left over from an earlier
// FittingJob of the same name is not one of its runs).
func (c *Controller) runs(fj *ihpav1beta2.FittingJob) ([]*batchv1.Job, error) {
	objs, err := c.runIndex.ByIndex(byFittingJob, fj.Namespace+"/"+fj.Name)
	if err != nil {
		return nil, err
	}
	var kept []*batchv1.Job
	for _, obj := range objs {
		if job, ok := obj.(*batchv1.Job); ok && !job.CreationTimestamp.Before(&fj.CreationTimestamp) {
			kept = append(kept, job)
		}
	}
	return kept, nil
}

// podsOf are the cached Pods that job controls, newest first.
func (c *Controller) podsOf(job *batchv1.Job) ([]*corev1.Pod, error) {
	objs, err := c.podIndex.ByIndex(byFittingJob, job.Namespace+"/"+job.Labels[ihpav1beta2.FittingJobNameLabel])
	if err != nil {
		return nil, err
	}
	var owned []*corev1.Pod
	for _, obj := range objs {
		if pod, ok := obj.(*corev1.Pod); ok {
			if ref := metav1.GetControllerOf(pod); ref != nil && ref.UID == job.UID {
				owned = append(owned, pod)
			}
		}
	}
	sort.Slice(owned, func(i, j int) bool {
		return runBefore(owned[j].CreationTimestamp.Time, owned[j].Name, owned[i].CreationTimestamp.Time, owned[i].Name)
	})
	return owned, nil
}

// byJob indexes events by the UID of the Job they are about.
const byJob = "job"

func jobOfEvent(obj any) ([]string, error) {
	if event, ok := obj.(*corev1.Event); ok && event.InvolvedObject.UID != "" {
		return []string{string(event.InvolvedObject.UID)}, nil
	}
	return nil, nil
}

// latestFailedCreate is the latest cached FailedCreate event on job.
func (c *Controller) latestFailedCreate(job *batchv1.Job) (*corev1.Event, error) {
	objs, err := c.failedCreateIndex.ByIndex(byJob, string(job.UID))
	if err != nil {
		return nil, err
	}
	var latest *corev1.Event
	for _, obj := range objs {
		if event, ok := obj.(*corev1.Event); ok && (latest == nil || eventTime(latest).Before(eventTime(event))) {
			latest = event
		}
	}
	return latest, nil
}

// eventTime is when event last happened, whichever API wrote it.
func eventTime(event *corev1.Event) time.Time {
	switch {
	case !event.LastTimestamp.IsZero():
		return event.LastTimestamp.Time
	case !event.EventTime.IsZero():
		return event.EventTime.Time
	}
	return event.CreationTimestamp.Time
}
