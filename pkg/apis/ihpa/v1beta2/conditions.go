package v1beta2

// Kind is the GroupVersionKind of FittingJob: typed clients and listers
// return objects without TypeMeta, so owner references and events take it
// from here.
var Kind = SchemeGroupVersion.WithKind("FittingJob")

// ConditionReady is True while a FittingJob's ConfigMap and CronJob are in
// sync with it, and False, with one of the reasons below, when they are
// not.
const ConditionReady = "Ready"

// Reasons of the Ready condition, and of the Warning event that
// accompanies each new failure.
const (
	// ReasonSynced (True): both children match the FittingJob.
	ReasonSynced = "Synced"
	// ReasonInvalidSpec: the spec breaks a rule the controller depends on;
	// nothing was written. Fix the FittingJob.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonAPIError: a read or write failed; the controller retries with
	// backoff.
	ReasonAPIError = "APIError"
	// ReasonConfigMapConflict and ReasonCronJobConflict: an object the
	// FittingJob does not control holds the child's name. It is left
	// untouched; delete or rename it, or rename the FittingJob.
	ReasonConfigMapConflict = "ConfigMapConflict"
	ReasonCronJobConflict   = "CronJobConflict"
	// ReasonConfigMapRejected and ReasonCronJobRejected: the API server
	// refused the child as the spec asks for it (an unknown time zone,
	// say); only a change of the FittingJob can fix it.
	ReasonConfigMapRejected = "ConfigMapRejected"
	ReasonCronJobRejected   = "CronJobRejected"
	// ReasonSyncPanic: the controller failed unexpectedly while syncing
	// the FittingJob (a bug, in the controller or a library it calls).
	// The failure is contained to this FittingJob, logged with its stack
	// and retried with backoff.
	ReasonSyncPanic = "SyncPanic"
)

// Reasons of the events about children and the spec.
const (
	// EventReasonCreated (Normal): a sync recreated a child that someone
	// deleted while the spec stayed the same. One event per sync names
	// every child it wrote. Creating the children of a new or changed
	// FittingJob records no event: Ready and observedGeneration say it.
	EventReasonCreated = "Created"
	// EventReasonUpdated (Normal): a sync reverted a child that someone
	// changed, and created none.
	EventReasonUpdated = "Updated"
	// EventReasonSpecWarning (Warning): advice about a valid spec, once
	// per generation.
	EventReasonSpecWarning = "SpecWarning"
)

// Outcomes of a run (LastRun.Outcome).
const (
	// RunQueued: the run's Job waits for Kueue to admit it (suspended,
	// with the queue label); Reason and Message are Kueue's.
	RunQueued    RunOutcome = "Queued"
	RunRunning   RunOutcome = "Running"
	RunSucceeded RunOutcome = "Succeeded"
	RunFailed    RunOutcome = "Failed"
	// RunUnknown: the run's Job disappeared before it was seen to finish
	// (deleted, or removed by its TTL first).
	RunUnknown RunOutcome = "Unknown"
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
	// ReasonFitQueued (False): a run has waited for Kueue to admit it for
	// longer than the grace.
	ReasonFitQueued = "FitQueued"
	// ReasonFitOverdue (False): no success within one schedule period plus
	// the grace.
	ReasonFitOverdue = "FitOverdue"
	// ReasonAwaitingFirstFit (Unknown): nothing has succeeded yet and the
	// first run is not yet overdue.
	ReasonAwaitingFirstFit = "AwaitingFirstFit"
	// ReasonFitCannotStart (False): the last run's Job cannot create its
	// Pod: the API server refuses it (a missing ServiceAccount, Pod
	// Security, a ResourceQuota or LimitRange, an admission webhook), as
	// the Job controller reports in a FailedCreate event, which the run's
	// message quotes.
	ReasonFitCannotStart = "FitCannotStart"
	// ReasonSuspended (False): the FittingJob (its CronJob) is suspended
	// and its last fit is no longer fresh, or none succeeded: no fit runs
	// until it is resumed.
	ReasonSuspended = "Suspended"
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
	// RunReasonFailedCreate: the Job cannot create its Pod; the message
	// quotes the Job controller's FailedCreate event.
	RunReasonFailedCreate = "FailedCreate"
	// RunReasonSuspended: the run's Job is suspended (spec.suspend), so
	// it starts no Pod.
	RunReasonSuspended = "Suspended"
	// RunReasonJobGone: the run's Job disappeared before the controller
	// saw it finish (outcome Unknown).
	RunReasonJobGone = "JobGone"
	// RunReasonNoWorkload (Queued): Kueue has not yet made a Workload of
	// the run's Job.
	RunReasonNoWorkload = "NoWorkload"
	// RunReasonKueueNotWatched (Queued): the run's Job waits for Kueue,
	// but the controller does not watch Kueue's Workloads: the cluster
	// served no Kueue API when it started (nothing will admit the Job), or
	// it may not list them (it cannot say why the Job waits).
	RunReasonKueueNotWatched = "KueueNotWatched"
)

// Reasons of the events about runs.
const (
	// EventReasonFitFailed (Warning): once per failed Job.
	EventReasonFitFailed = "FitFailed"
	// EventReasonFitCannotStart (Warning): once per run whose Job cannot
	// create its Pod.
	EventReasonFitCannotStart = "FitCannotStart"
	// EventReasonFitLost (Warning): once per run whose Job disappeared
	// before it finished.
	EventReasonFitLost = "FitLost"
	// EventReasonFitRecovered (Normal): once when a run succeeds after
	// failed or stuck ones.
	EventReasonFitRecovered = "FitRecovered"
)
