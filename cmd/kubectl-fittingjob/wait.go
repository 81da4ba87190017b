package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// jobProgress is what --wait reports: a line each time it changes.
type jobProgress struct{ active, succeeded, failed int32 }

// waitForJob follows job until its Complete or Failed condition, printing
// its progress, for at most timeout (0: no limit). It returns nil when the
// Job completes and an error when it fails, disappears or outlasts the
// timeout.
func waitForJob(ctx context.Context, kube kubernetes.Interface, job *batchv1.Job, timeout time.Duration, stdout io.Writer) error {
	waitCtx, cancel := watchtools.ContextWithOptionalTimeout(ctx, timeout)
	defer cancel()

	// A list-then-watch of this one Job, re-listed when the watch breaks
	// (as kubectl wait does), so that no condition is missed between the
	// Create and the first watch event, nor across a dropped connection.
	jobs := kube.BatchV1().Jobs(job.Namespace)
	byName := fields.OneTermEqualSelector("metadata.name", job.Name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, options metav1.ListOptions) (runtime.Object, error) {
			options.FieldSelector = byName
			return jobs.List(ctx, options)
		},
		WatchFuncWithContext: func(ctx context.Context, options metav1.ListOptions) (watch.Interface, error) {
			options.FieldSelector = byName
			return jobs.Watch(ctx, options)
		},
	}

	ref := "job.batch/" + job.Name
	// The informer under UntilWithSync retries a refused list forever,
	// logging each refusal; one list first turns a missing permission into
	// an error now instead of a timeout.
	if _, err := jobs.List(waitCtx, metav1.ListOptions{FieldSelector: byName}); err != nil {
		return fmt.Errorf("cannot follow %s (it keeps running): %w", ref, err)
	}

	var last *jobProgress
	_, err := watchtools.UntilWithSync(waitCtx, cache.ToListWatcherWithWatchListSemantics(lw, kube), &batchv1.Job{}, nil,
		func(event watch.Event) (bool, error) {
			j, ok := event.Object.(*batchv1.Job)
			// The field selector is the API server's; the UID check also
			// ignores a Job of the same name created after ours was deleted.
			if !ok || j.Name != job.Name || j.UID != job.UID {
				return false, nil
			}
			if event.Type == watch.Deleted {
				return false, fmt.Errorf("%s was deleted before it finished", ref)
			}
			if p := (jobProgress{j.Status.Active, j.Status.Succeeded, j.Status.Failed}); last == nil || p != *last {
				fmt.Fprintf(stdout, "%s: %d active, %d succeeded, %d failed\n", ref, p.active, p.succeeded, p.failed)
				last = &p
			}
			if c := jobCondition(j, batchv1.JobFailed); c != nil {
				return false, fmt.Errorf("%s failed: %s: %s", ref, c.Reason, c.Message)
			}
			return jobCondition(j, batchv1.JobComplete) != nil, nil
		})
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "%s complete\n", ref)
		return nil
	case ctx.Err() != nil:
		// Interrupted (Ctrl-C): the Job is not ours to stop.
		return fmt.Errorf("stopped waiting; %s keeps running", ref)
	case errors.Is(waitCtx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("timed out after %v waiting for %s to finish; it keeps running", timeout, ref)
	default:
		return err
	}
}

// jobCondition returns j's condition of type t when it is true. Complete
// and Failed are the Job's terminal conditions; Kubernetes sets them only
// once the Job's Pods have terminated.
func jobCondition(j *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if c := &j.Status.Conditions[i]; c.Type == t && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}
