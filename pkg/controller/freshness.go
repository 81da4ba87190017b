package controller

import (
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// freshness is what the ForecastFresh condition is computed from.
type freshness struct {
	now     time.Time
	created time.Time
	// schedule is the schedule in force; scheduleErr says why it is nil.
	schedule    cron.Schedule
	scheduleErr error
	suspended   bool
	grace       time.Duration

	lastSuccess *metav1.Time
	lastRun     *ihpav1beta2.LastRun
	// previous is the condition as recorded.
	previous *metav1.Condition
}

// forecastFresh computes the ForecastFresh condition (type, status, reason,
// message) and the time at which it would change with no event at all
// (zero: only an event can change it). Failed and stuck runs come first;
// then the age of the last success against one period of the schedule
// plus the grace.
//
// A suspended FittingJob runs no fit, which is what its author asked for,
// not a failure to name as one: while its last success is fresh it stays
// True (the message says it is suspended); after that, or with no success
// at all, it is False with reason Suspended rather than FitOverdue. False
// all the same: a forecast the HPA reads is stale whatever the reason, and
// an alert on it is to be silenced deliberately, not hidden.
//
// A run that waits for Kueue counts only past the grace: a queue is there
// to delay fits, and a forecast whose fit waits its turn is as fresh as
// its last success says. Past the grace from its creation, it is False
// with reason FitQueued.
func forecastFresh(in freshness) (metav1.Condition, time.Time) {
	run := in.lastRun
	if run == nil || run.Outcome != ihpav1beta2.RunQueued || run.StartTime == nil {
		return forecastFreshByRuns(in)
	}
	deadline := run.StartTime.Add(in.grace)
	if !in.now.Before(deadline) {
		return metav1.Condition{Type: ihpav1beta2.ConditionForecastFresh, Status: metav1.ConditionFalse, Reason: ihpav1beta2.ReasonFitQueued,
			Message: fmt.Sprintf("Job %s has waited for Kueue since %s, longer than the grace of %s: %s: %s",
				run.JobName, stamp(run.StartTime.Time), in.grace, run.Reason, run.Message)}, time.Time{}
	}
	fresh, flips := forecastFreshByRuns(in)
	if flips.IsZero() || deadline.Before(flips) {
		flips = deadline
	}
	return fresh, flips
}

// forecastFreshByRuns is forecastFresh but for a queued run.
func forecastFreshByRuns(in freshness) (metav1.Condition, time.Time) {
	cond := func(status metav1.ConditionStatus, reason, message string) metav1.Condition {
		return metav1.Condition{Type: ihpav1beta2.ConditionForecastFresh, Status: status, Reason: reason, Message: message}
	}
	suspended := ""
	if in.suspended {
		suspended = " The FittingJob is suspended: no fit runs until it is resumed."
	}

	if run := in.lastRun; run != nil {
		switch {
		case run.Outcome == ihpav1beta2.RunFailed:
			return cond(metav1.ConditionFalse, ihpav1beta2.ReasonFitFailed,
				fmt.Sprintf("Job %s failed: %s: %s", run.JobName, run.Reason, run.Message)), time.Time{}
		case run.Outcome == ihpav1beta2.RunRunning && run.Reason == ihpav1beta2.RunReasonFailedCreate:
			return cond(metav1.ConditionFalse, ihpav1beta2.ReasonFitCannotStart,
				fmt.Sprintf("The run cannot start: %s", run.Message)), time.Time{}
		case run.Outcome == ihpav1beta2.RunRunning && run.Reason != "":
			return cond(metav1.ConditionFalse, ihpav1beta2.ReasonFitStuck,
				fmt.Sprintf("Job %s is stuck: %s: %s", run.JobName, run.Reason, run.Message)), time.Time{}
		case (run.Outcome == ihpav1beta2.RunRunning || run.Outcome == ihpav1beta2.RunQueued) && in.previous != nil &&
			in.previous.Status == metav1.ConditionFalse &&
			(in.previous.Reason == ihpav1beta2.ReasonFitFailed || in.previous.Reason == ihpav1beta2.ReasonFitStuck ||
				in.previous.Reason == ihpav1beta2.ReasonFitCannotStart):
			// A new run after a failed or stuck one, running or
			// queued: what the last finished run said holds until this
			// one finishes.
			return cond(in.previous.Status, in.previous.Reason, in.previous.Message), time.Time{}
		}
	}
	if in.schedule == nil {
		if errors.Is(in.scheduleErr, errNoSchedule) {
			return cond(metav1.ConditionUnknown, ihpav1beta2.ReasonInvalidSchedule,
				"No schedule is in force: the spec is invalid and the FittingJob has no CronJob (Ready says why)."), time.Time{}
		}
		return cond(metav1.ConditionUnknown, ihpav1beta2.ReasonInvalidSchedule,
			fmt.Sprintf("The schedule in force cannot be used: %v", in.scheduleErr)), time.Time{}
	}

	if in.lastSuccess != nil {
		success := in.lastSuccess.Time
		period, ok := periodAround(in.schedule, success)
		if !ok {
			return cond(metav1.ConditionUnknown, ihpav1beta2.ReasonInvalidSchedule,
				"The schedule in force never fires again"), time.Time{}
		}
		deadline := success.Add(period + in.grace)
		if in.now.Before(deadline) {
			return cond(metav1.ConditionTrue, ihpav1beta2.ReasonFitSucceeded,
				fmt.Sprintf("The last fit succeeded at %s; the forecast is fresh until %s (one schedule period, %s, plus a grace of %s).%s",
					stamp(success), stamp(deadline), period, in.grace, suspended)), deadline
		}
		if in.suspended {
			return cond(metav1.ConditionFalse, ihpav1beta2.ReasonSuspended,
				fmt.Sprintf("The FittingJob is suspended: no fit runs until it is resumed. The last fit succeeded at %s.", stamp(success))), time.Time{}
		}
		return cond(metav1.ConditionFalse, ihpav1beta2.ReasonFitOverdue,
			fmt.Sprintf("No fit has succeeded since %s; one was due by %s (one schedule period, %s, plus a grace of %s).",
				stamp(success), stamp(deadline), period, in.grace)), time.Time{}
	}

	if in.suspended {
		return cond(metav1.ConditionFalse, ihpav1beta2.ReasonSuspended,
			"The FittingJob is suspended: no fit runs until it is resumed. No fit has succeeded yet."), time.Time{}
	}
	first := in.schedule.Next(in.created)
	if first.IsZero() {
		return cond(metav1.ConditionUnknown, ihpav1beta2.ReasonInvalidSchedule,
			"The schedule in force never fires"), time.Time{}
	}
	due := first.Add(in.grace)
	if in.now.Before(due) {
		return cond(metav1.ConditionUnknown, ihpav1beta2.ReasonAwaitingFirstFit,
			fmt.Sprintf("No fit has succeeded yet; the first scheduled run is at %s, and the fit is overdue if none has succeeded by %s.",
				stamp(first), stamp(due))), due
	}
	return cond(metav1.ConditionFalse, ihpav1beta2.ReasonFitOverdue,
		fmt.Sprintf("No fit has succeeded yet; the first scheduled run was at %s, and one was due by %s.",
			stamp(first), stamp(due))), time.Time{}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
