package controller

import (
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// statusInputs are everything a FittingJob's status is computed from.
type statusInputs struct {
	fittingJob *ihpav1beta2.FittingJob
	children   childrenResult
	seen       *observed
	now        time.Time
	grace      time.Duration
	// parse parses the schedule in force (scheduleCache.parse, which
	// remembers what it parsed).
	parse func(schedule string, timeZone *string) (cron.Schedule, error)
}

// nextStatus is what computeStatus makes of them.
type nextStatus struct {
	status ihpav1beta2.FittingJobStatus
	// changed says whether status differs from the one recorded.
	changed bool
	// events say what the status newly records, to be recorded once it is.
	events []event
	// finished is the run the status newly records as finished, to count.
	finished *ihpav1beta2.LastRun
	// requeueAfter is when the status would change with time alone
	// (zero: only an event can change it).
	requeueAfter time.Duration
}

type event struct{ eventType, reason, message string }

// errNoSchedule is why no schedule is in force: the spec is invalid and no
// CronJob of the FittingJob's exists.
var errNoSchedule = errors.New("no schedule is in force")

// computeStatus computes a FittingJob's status: Ready from what the
// children sync found, and from its runs the last run, the success and
// schedule times and ForecastFresh; the events that go with what changed;
// and when the status would change with time alone. It reads nothing but
// its inputs.
func computeStatus(in statusInputs) nextStatus {
	fj, seen := in.fittingJob, in.seen
	recorded := &fj.Status
	status := recorded.DeepCopy()

	// The CronJob in force: the one the sync verified or wrote, else the
	// cached one the FittingJob controls (a sync that stopped before it
	// leaves the old one running). Its schedule is the generator's; with
	// none, the one the generator made for the CronJob the API server
	// refused, which is the one the user asked for.
	cronJob := in.children.cronJob
	if cronJob != nil {
		status.Schedule = cronJob.Spec.Schedule
	} else if seen.cronJob != nil && controls(fj, seen.cronJob) {
		cronJob = seen.cronJob
	}
	var scheduleSpec *batchv1.CronJobSpec
	switch {
	case cronJob != nil:
		scheduleSpec = &cronJob.Spec
	case in.children.desired != nil:
		scheduleSpec = &in.children.desired.CronJob.Spec
	}
	var schedule cron.Schedule
	scheduleErr := errNoSchedule
	if scheduleSpec != nil {
		schedule, scheduleErr = in.parse(scheduleSpec.Schedule, scheduleSpec.TimeZone)
	}

	var recheck time.Time
	var observedRun *ihpav1beta2.LastRun
	if job := seen.newest; job != nil {
		var limit time.Duration
		if schedule != nil {
			limit, _ = periodAround(schedule, job.CreationTimestamp.Time)
		}
		limit = runLimit(job, limit)
		observedRun = observeRun(job, seen.pods, seen.failedCreate, seen.queued, in.now, limit)
		if observedRun.Outcome == ihpav1beta2.RunRunning && observedRun.Reason == "" && limit > 0 {
			recheck = job.CreationTimestamp.Add(limit)
		}
	}
	lastRun := recorded.LastRun
	if gone, ok := goneRun(lastRun, seen.jobs, in.now); ok {
		lastRun = gone
	}
	status.LastRun = nextLastRun(lastRun, observedRun)
	succeeded := cronJob
	if succeeded != nil && successNotSeen(succeeded, seen.newest) {
		// The CronJob already counts a success of the newest run, which
		// the Job cache still shows running: the Job's event is on its
		// way and brings the success with the run's end. Writing the time
		// now would cost a write of its own.
		succeeded = nil
	}
	status.LastSuccessfulTime = lastSuccess(recorded.LastSuccessfulTime, succeeded, seen.jobs, in.now)
	scheduled := cronJob
	if scheduled != nil && activeJobNotSeen(scheduled, seen.jobs) {
		// The CronJob has started a Job the cache has not seen yet; its
		// event is on its way and brings the schedule time along with the
		// run. Writing the time now would cost a write of its own.
		scheduled = nil
	}
	status.LastScheduleTime = lastSchedule(recorded.LastScheduleTime, scheduled, seen.jobs, in.now)

	fresh, flips := forecastFresh(freshness{
		now:         in.now,
		created:     fj.CreationTimestamp.Time,
		schedule:    schedule,
		scheduleErr: scheduleErr,
		suspended:   scheduleSpec != nil && scheduleSpec.Suspend != nil && *scheduleSpec.Suspend,
		grace:       in.grace,
		lastSuccess: status.LastSuccessfulTime,
		lastRun:     status.LastRun,
		previous:    meta.FindStatusCondition(recorded.Conditions, ihpav1beta2.ConditionForecastFresh),
	})
	fresh.ObservedGeneration = fj.Generation
	fresh.Message = cut(fresh.Message, maxConditionMessage)
	if recheck.IsZero() || (!flips.IsZero() && flips.Before(recheck)) {
		recheck = flips
	}

	ready := readyCondition(fj, in.children)
	meta.SetStatusCondition(&status.Conditions, ready)
	meta.SetStatusCondition(&status.Conditions, fresh)
	status.ObservedGeneration = fj.Generation

	next := nextStatus{status: *status}
	if !recheck.IsZero() {
		next.requeueAfter = recheck.Sub(in.now)
	}
	if next.changed = !statusEqual(recorded, status); next.changed {
		next.events, next.finished = statusEvents(fj, in.children, ready, status)
	}
	return next
}

// readyCondition is the Ready condition of what the children sync found.
func readyCondition(fj *ihpav1beta2.FittingJob, children childrenResult) metav1.Condition {
	ready := metav1.Condition{
		Type:               ihpav1beta2.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             children.reason,
		Message:            cut(children.message, maxConditionMessage),
		ObservedGeneration: fj.Generation,
	}
	if children.reason != ihpav1beta2.ReasonSynced {
		ready.Status = metav1.ConditionFalse
	}
	return ready
}

// statusEvents are the events of a status that changed from fj's recorded
// one: advice about a spec the status has not seen yet, a Warning for each
// new failure to keep the children in sync, and for a run newly seen to
// finish, a Warning when it failed or a Normal event when it succeeded
// after failed or stuck ones. It also returns that run, to count.
func statusEvents(fj *ihpav1beta2.FittingJob, children childrenResult, ready metav1.Condition, status *ihpav1beta2.FittingJobStatus) ([]event, *ihpav1beta2.LastRun) {
	recorded := &fj.Status
	var events []event
	if fj.Generation != recorded.ObservedGeneration {
		for _, warning := range children.warnings {
			events = append(events, event{corev1.EventTypeWarning, ihpav1beta2.EventReasonSpecWarning, warning})
		}
	}
	if ready.Status == metav1.ConditionFalse {
		if previous := meta.FindStatusCondition(recorded.Conditions, ihpav1beta2.ConditionReady); previous == nil ||
			previous.Reason != ready.Reason || previous.Message != ready.Message {
			events = append(events, event{corev1.EventTypeWarning, ready.Reason, ready.Message})
		}
	}

	run, before := status.LastRun, recorded.LastRun
	if run != nil && run.Outcome == ihpav1beta2.RunRunning && run.Reason == ihpav1beta2.RunReasonFailedCreate &&
		(before == nil || before.JobName != run.JobName || before.Reason != run.Reason) {
		events = append(events, event{corev1.EventTypeWarning, ihpav1beta2.EventReasonFitCannotStart, run.Message})
	}
	if run == nil || run.Outcome == ihpav1beta2.RunRunning || run.Outcome == ihpav1beta2.RunQueued ||
		(before != nil && before.JobName == run.JobName && before.Outcome == run.Outcome) {
		return events, nil
	}
	switch run.Outcome {
	case ihpav1beta2.RunUnknown:
		events = append(events, event{corev1.EventTypeWarning, ihpav1beta2.EventReasonFitLost, run.Message})
		return events, nil
	case ihpav1beta2.RunFailed:
		events = append(events, event{corev1.EventTypeWarning, ihpav1beta2.EventReasonFitFailed,
			fmt.Sprintf("Job %s failed: %s: %s", run.JobName, run.Reason, run.Message)})
	case ihpav1beta2.RunSucceeded:
		if fresh := meta.FindStatusCondition(recorded.Conditions, ihpav1beta2.ConditionForecastFresh); fresh != nil &&
			fresh.Status == metav1.ConditionFalse &&
			(fresh.Reason == ihpav1beta2.ReasonFitFailed || fresh.Reason == ihpav1beta2.ReasonFitStuck) {
			events = append(events, event{corev1.EventTypeNormal, ihpav1beta2.EventReasonFitRecovered,
				fmt.Sprintf("Job %s succeeded after failed or stuck runs", run.JobName)})
		}
	}
	return events, run
}

// successNotSeen reports whether cronJob records a success at or after
// the creation of newest, the newest run, which the cache still shows
// unfinished. A run whose Job is gone is not newest: the CronJob's time
// then counts at once.
func successNotSeen(cronJob *batchv1.CronJob, newest *batchv1.Job) bool {
	success := cronJob.Status.LastSuccessfulTime
	return success != nil && newest != nil && !success.Before(&newest.CreationTimestamp) &&
		jobCondition(newest, batchv1.JobComplete) == nil && jobCondition(newest, batchv1.JobFailed) == nil
}

// activeJobNotSeen reports whether cronJob lists an active Job that is not
// among jobs, the FittingJob's runs in the cache.
func activeJobNotSeen(cronJob *batchv1.CronJob, jobs []*batchv1.Job) bool {
	for _, ref := range cronJob.Status.Active {
		seen := false
		for _, job := range jobs {
			if job.Name == ref.Name {
				seen = true
				break
			}
		}
		if !seen {
			return true
		}
	}
	return false
}
