package v1beta2

// FittingJobNameLabel names the FittingJob on the Jobs and Pods of its
// runs (the CronJob's job template and Pod template carry it), so that
// `kubectl logs -l ihpa.ake.cyberagent.co.jp/fittingjob=NAME` finds a
// fit's Pods and the controller maps a Job or Pod to its FittingJob.
const FittingJobNameLabel = "ihpa.ake.cyberagent.co.jp/fittingjob"

// Outcomes of a run (LastRun.Outcome).
const (
	RunRunning   RunOutcome = "Running"
	RunSucceeded RunOutcome = "Succeeded"
	RunFailed    RunOutcome = "Failed"
)

// ConditionForecastFresh is True while the last successful fit is within
// one schedule period plus a grace of now, and False or Unknown, with one
// of the reasons below, when it is not.
const ConditionForecastFresh = "ForecastFresh"

// Reasons of the ForecastFresh condition.
const (
	// ReasonFitSucceeded (True): the last success is recent enough.
	ReasonFitSucceeded = "FitSucceeded"
	// ReasonFitFailed (False): the last run failed.
	ReasonFitFailed = "FitFailed"
	// ReasonFitStuck (False): a run does not progress: its Pod cannot be
	// scheduled, its image does not pull, its container keeps crashing, or
	// it has run longer than one schedule period (or its Job's
	// activeDeadlineSeconds).
	ReasonFitStuck = "FitStuck"
	// ReasonFitOverdue (False): no success within one schedule period plus
	// the grace.
	ReasonFitOverdue = "FitOverdue"
	// ReasonAwaitingFirstFit (Unknown): nothing has succeeded yet and the
	// first run is not yet overdue.
	ReasonAwaitingFirstFit = "AwaitingFirstFit"
	// ReasonInvalidSchedule (Unknown): the schedule in force cannot be
	// parsed, so no period is known (Ready says why).
	ReasonInvalidSchedule = "InvalidSchedule"
)

// Reasons of LastRun for what the controller itself finds; the others come
// from the Job (batchv1.JobReason*) or the Pod (Unschedulable,
// ImagePullBackOff, OOMKilled…).
const (
	// RunReasonRunningTooLong: the run has been going for longer than one
	// schedule period, or than its Job's activeDeadlineSeconds.
	RunReasonRunningTooLong = "RunningTooLong"
	// RunReasonFailed: the Job failed without saying why.
	RunReasonFailed = "Failed"
)

// Reasons of the events about runs.
const (
	// EventReasonFitFailed (Warning): once per failed Job.
	EventReasonFitFailed = "FitFailed"
	// EventReasonFitRecovered (Normal): once when a run succeeds after
	// failed or stuck ones.
	EventReasonFitRecovered = "FitRecovered"
)
