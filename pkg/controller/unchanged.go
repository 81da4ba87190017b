package controller

import (
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/client-go/tools/cache"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// A sync that finds the children in sync is a function of what it
// observes in the caches and of the time (sync.go): the same FittingJob,
// children, runs, Pods, FailedCreate events and Kueue Workload, before the time at which
// its status would change by itself, give the same result, and that
// result was already written. (A sync that met a foreign object or a
// refusal also asked the API server, whose answer can change without an
// event: it is never skipped.) So a resync
// that reads the caches and finds them as the last complete sync found
// them has nothing to do, and is skipped, and counted apart
// (fittingjob_controller_resyncs_skipped_total). The shortcut checks
// itself against the caches at every resync, as the verified children do;
// it never relies on an event having been seen.

// inputs identifies what a sync of one FittingJob observed: the
// resourceVersion of every object it read.
type inputs struct {
	versions string
	// recheck is when the status would change with time alone (zero:
	// never).
	recheck time.Time
}

// inputsOf lists the resourceVersions of fj and what seen holds. ok is
// false when one is unknown (objects of a fake client): then nothing can
// be told.
func inputsOf(fj *ihpav1beta2.FittingJob, seen *observed) (string, bool) {
	var b strings.Builder
	add := func(kind, name, resourceVersion string) bool {
		if resourceVersion == "" {
			return false
		}
		b.WriteString(kind + "/" + name + "@" + resourceVersion + ";")
		return true
	}
	ok := add("FittingJob", fj.Name, fj.ResourceVersion)
	if seen.configMap != nil {
		ok = ok && add("ConfigMap", seen.configMap.Name, seen.configMap.ResourceVersion)
	}
	if seen.cronJob != nil {
		ok = ok && add("CronJob", seen.cronJob.Name, seen.cronJob.ResourceVersion)
	}
	jobs := slices.Clone(seen.jobs)
	slices.SortFunc(jobs, func(a, b *batchv1.Job) int { return strings.Compare(a.Name, b.Name) })
	for _, job := range jobs {
		ok = ok && add("Job", job.Name, job.ResourceVersion)
	}
	for _, pod := range seen.pods {
		ok = ok && add("Pod", pod.Name, pod.ResourceVersion)
	}
	if seen.failedCreate != nil {
		ok = ok && add("Event", seen.failedCreate.Name, seen.failedCreate.ResourceVersion)
	}
	if seen.workload != nil {
		ok = ok && add("Workload", seen.workload.GetName(), seen.workload.GetResourceVersion())
	}
	return b.String(), ok
}

// unchanged reports whether in, what key's last complete sync saw, is
// exactly versions, and its status would not yet have changed with time at
// now.
func (in inputs) unchanged(versions string, now time.Time) bool {
	return in.versions == versions && (in.recheck.IsZero() || now.Before(in.recheck))
}

// rememberInputs records what a sync of key that completed without error
// observed, and when its status would change with time (requeueAfter from
// now; zero: never).
func (c *Controller) rememberInputs(key cache.ObjectName, fj *ihpav1beta2.FittingJob, seen *observed, requeueAfter time.Duration) {
	versions, ok := inputsOf(fj, seen)
	if !ok {
		return
	}
	in := inputs{versions: versions}
	if requeueAfter > 0 {
		in.recheck = c.clock.Now().Add(requeueAfter)
	}
	c.lastInputs.set(key, in)
}
