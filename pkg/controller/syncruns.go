package controller

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// syncRuns records in status how fj's runs go: the last run, the last
// success and schedule times, and the ForecastFresh condition. It reads
// only the caches. It returns the ForecastFresh condition, for
// updateStatus to set after Ready, and when the result would change with
// time alone (zero: never).
//
// cronJob is the CronJob the sync just wrote or found in sync; when the
// sync stopped before it, the cached one stands in.
func (c *Controller) syncRuns(fj *ihpav1beta2.FittingJob, status *ihpav1beta2.FittingJobStatus, cronJob *batchv1.CronJob) (metav1.Condition, time.Time, error) {
	now := c.clock.Now()
	if cronJob == nil {
		cached, err := c.cronJobs.CronJobs(fj.Namespace).Get(generator.CronJobName(fj))
		switch {
		case err == nil && controls(fj, cached):
			cronJob = cached
		case err != nil && !apierrors.IsNotFound(err):
			return metav1.Condition{}, time.Time{}, err
		}
	}

	// The schedule in force is the CronJob's; without one, what the
	// FittingJob asks for.
	scheduleSpec, timeZone, suspended := generator.Schedule(fj), fj.Spec.TimeZone, fj.Spec.Suspend
	if cronJob != nil {
		scheduleSpec, timeZone, suspended = cronJob.Spec.Schedule, cronJob.Spec.TimeZone, cronJob.Spec.Suspend
	}
	schedule, scheduleErr := c.schedules.parse(scheduleSpec, timeZone)

	jobs, err := c.runs(fj)
	if err != nil {
		return metav1.Condition{}, time.Time{}, err
	}
	var recheck time.Time
	var observed *ihpav1beta2.LastRun
	if job := newestJob(jobs); job != nil {
		pods, err := c.podsOf(job)
		if err != nil {
			return metav1.Condition{}, time.Time{}, err
		}
		var limit time.Duration
		if schedule != nil {
			limit, _ = periodAround(schedule, job.CreationTimestamp.Time)
		}
		limit = runLimit(job, limit)
		observed = observeRun(job, pods, now, limit)
		if observed.Outcome == ihpav1beta2.RunRunning && observed.Reason == "" && limit > 0 {
			recheck = job.CreationTimestamp.Add(limit)
		}
	}
	status.LastRun = nextLastRun(fj.Status.LastRun, observed)
	status.LastSuccessfulTime = lastSuccess(fj.Status.LastSuccessfulTime, cronJob, jobs, now)
	scheduled := cronJob
	if scheduled != nil && c.activeJobNotSeen(scheduled) {
		// The CronJob has started a Job the cache has not seen yet; its
		// event is on its way and brings the schedule time along with the
		// run. Writing the time now would cost a write of its own.
		scheduled = nil
	}
	status.LastScheduleTime = lastSchedule(fj.Status.LastScheduleTime, scheduled, jobs, now)

	condition, flips := forecastFresh(freshness{
		now:         now,
		created:     fj.CreationTimestamp.Time,
		schedule:    schedule,
		scheduleErr: scheduleErr,
		suspended:   suspended != nil && *suspended,
		grace:       c.grace,
		lastSuccess: status.LastSuccessfulTime,
		lastRun:     status.LastRun,
		previous:    meta.FindStatusCondition(fj.Status.Conditions, ihpav1beta2.ConditionForecastFresh),
	})
	condition.ObservedGeneration = fj.Generation
	if recheck.IsZero() || (!flips.IsZero() && flips.Before(recheck)) {
		recheck = flips
	}
	return condition, recheck, nil
}

// activeJobNotSeen reports whether cronJob lists an active Job that the
// Job cache does not hold.
func (c *Controller) activeJobNotSeen(cronJob *batchv1.CronJob) bool {
	for _, ref := range cronJob.Status.Active {
		if _, err := c.jobs.Jobs(cronJob.Namespace).Get(ref.Name); apierrors.IsNotFound(err) {
			return true
		}
	}
	return false
}
