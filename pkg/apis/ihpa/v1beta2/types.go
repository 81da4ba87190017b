package v1beta2

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FittingJob describes a daily forecasting job: every day it fetches one
// metric from a metric provider, fits a forecasting model and writes the
// forecast into a ConfigMap. The controller keeps a ConfigMap
// "<name>-config" and a CronJob "<name>" for each FittingJob.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=fj,categories=ihpa
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Metric",type=string,JSONPath=`.spec.metric.name`
// +kubebuilder:printcolumn:name="Schedule",type=string,JSONPath=`.status.schedule`
// +kubebuilder:printcolumn:name="Last Schedule",type=date,JSONPath=`.status.lastScheduleTime`
// +kubebuilder:printcolumn:name="Last Success",type=date,JSONPath=`.status.lastSuccessfulTime`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Fresh",type=string,JSONPath=`.status.conditions[?(@.type=="ForecastFresh")].status`
// +kubebuilder:printcolumn:name="Last Run",type=string,JSONPath=`.status.lastRun.outcome`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 52",message="metadata.name must be at most 52 characters: the CronJob carries the same name and Kubernetes limits CronJob names to 52"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.dataConfigMap) || !has(self.spec.dataConfigMap.name) || self.spec.dataConfigMap.name != self.metadata.name + '-config'",message="must differ from <metadata.name>-config, the FittingJob's own config ConfigMap, which the controller rewrites at every sync (dropping each forecast)",fieldPath=".spec.dataConfigMap.name"
type FittingJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec FittingJobSpec `json:"spec"`
	// +optional
	Status FittingJobStatus `json:"status,omitempty"`
}

// FittingJobSpec is the desired state of a FittingJob: how to run the
// fitting container (the inline JobPatchSpec), what to fit, and when.
type FittingJobSpec struct {
	JobPatchSpec `json:",inline"`

	// Seasonality of the time series the model assumes.
	// +kubebuilder:default=auto
	// +optional
	Seasonality Seasonality `json:"seasonality,omitempty"`

	// ExecuteOn is the hour of the day (0-23) at which the fitting runs.
	// Ignored when Schedule is set.
	// +kubebuilder:default=4
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=23
	// +optional
	ExecuteOn *int32 `json:"executeOn,omitempty"`

	// ChangePointDetectionConfig turns on change-point detection, which
	// drops anomalous periods from the training data. When absent, the
	// fitting container skips change-point detection.
	// +optional
	ChangePointDetectionConfig *ChangePointDetectionConfig `json:"changePointDetectionConfig,omitempty"`

	// CustomConfig is passed to the fitting container as it is. It shares
	// the config ConfigMap's 1 MiB limit with the rest of config.json; the
	// controller reports a FittingJob whose config.json would not fit.
	// +kubebuilder:validation:MaxLength=1048576
	// +optional
	CustomConfig string `json:"customConfig,omitempty"`

	// DataConfigMap names the ConfigMap, in the FittingJob's namespace,
	// into which the fitting container writes the forecast. It cannot be
	// the FittingJob's own "<name>-config" (a rule of FittingJob).
	// +kubebuilder:validation:XValidation:rule="!has(self.name) || self.name == '' || (size(self.name) <= 253 && self.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'))",message="must be a ConfigMap name: a lowercase RFC 1123 subdomain (lowercase letters, digits, - and ., starting and ending with a letter or digit) of at most 253 characters",fieldPath=".name"
	// +optional
	DataConfigMap *corev1.LocalObjectReference `json:"dataConfigMap,omitempty"`

	// Metric is the metric to forecast.
	// +required
	Metric MetricIdentifier `json:"metric"`

	// Provider is where the metric is fetched from.
	// +required
	Provider Provider `json:"provider"`

	// Schedule is a full five-field cron expression (or a macro such as
	// "@daily"). It overrides ExecuteOn and the spread minute. Its time
	// zone is TimeZone: the schedule cannot carry one (TZ=, CRON_TZ=).
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="!self.contains('TZ')",message="must not contain TZ: a time zone (TZ= or CRON_TZ=) belongs in spec.timeZone"
	// +kubebuilder:validation:XValidation:rule="self.contains('TZ') || self.matches('^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|[0-9A-Za-z*?/,+-]+([ \\t]+[0-9A-Za-z*?/,+-]+){4})$')",message="must be five cron fields separated by spaces or tabs, each made of digits, month or day names and * ? / , - (such as 30 3 * * 1-5), or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"
	// +optional
	Schedule string `json:"schedule,omitempty"`

	// TimeZone is the IANA time zone of the schedule (CronJob timeZone).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9_+][A-Za-z0-9_+-]{0,13}(/[A-Za-z0-9_+][A-Za-z0-9_+-]{0,13})*$')",message="must be a time zone name of the tz database, such as Asia/Tokyo or Etc/GMT+9: parts of letters, digits, _ + and - (at most 14 characters each, not starting with -) separated by /"
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii() != 'local'",message="must name a time zone: the CronJob API refuses Local, the zone of whichever kube-controller-manager runs"
	// +optional
	TimeZone *string `json:"timeZone,omitempty"`

	// Suspend stops future runs without deleting anything.
	// +optional
	Suspend *bool `json:"suspend,omitempty"`

	// ConcurrencyPolicy of the CronJob. Forbid, the default, means two fits
	// of one model never overlap.
	// +kubebuilder:default=Forbid
	// +kubebuilder:validation:Enum=Allow;Forbid;Replace
	// +optional
	ConcurrencyPolicy batchv1.ConcurrencyPolicy `json:"concurrencyPolicy,omitempty"`

	// StartingDeadlineSeconds of the CronJob, at most 9223372036 (the
	// CronJob controller makes a time.Duration of it).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:XValidation:rule="self <= 9223372036",message="must be at most 9223372036 seconds (about 292 years): the CronJob controller makes a time.Duration of it, which cannot hold more"
	// +optional
	StartingDeadlineSeconds *int64 `json:"startingDeadlineSeconds,omitempty"`

	// SuccessfulJobsHistoryLimit of the CronJob.
	// +kubebuilder:validation:Minimum=0
	// +optional
	SuccessfulJobsHistoryLimit *int32 `json:"successfulJobsHistoryLimit,omitempty"`

	// FailedJobsHistoryLimit of the CronJob.
	// +kubebuilder:validation:Minimum=0
	// +optional
	FailedJobsHistoryLimit *int32 `json:"failedJobsHistoryLimit,omitempty"`

	// QueueName hands the FittingJob's runs to Kueue: the name of a Kueue
	// LocalQueue in the FittingJob's namespace. Each run's Job is created
	// suspended and labelled kueue.x-k8s.io/queue-name, and starts when
	// Kueue admits it under its ClusterQueue's quota. Unset, runs start at
	// once and Kueue does not see them.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="must be a LocalQueue name usable as a label value: a lowercase RFC 1123 label (lowercase letters, digits and -, starting and ending with a letter or digit) of at most 63 characters"
	// +optional
	QueueName string `json:"queueName,omitempty"`
}

// JobPatchSpec holds the Job-, Pod- and Container-level fields copied into
// the CronJob's job template.
type JobPatchSpec struct {
	// ActiveDeadlineSeconds of the Job, at most 9223372036 (the Job
	// controller makes a time.Duration of it).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:XValidation:rule="self <= 9223372036",message="must be at most 9223372036 seconds (about 292 years): the Job controller makes a time.Duration of it, which cannot hold more"
	// +optional
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty"`
	// BackoffLimit of the Job.
	// +kubebuilder:validation:Minimum=0
	// +optional
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`
	// Completions of the Job.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Completions *int32 `json:"completions,omitempty"`

	// Affinity of the Pod.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// ImagePullSecrets of the Pod.
	// +optional
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`
	// NodeSelector of the Pod.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// PodSecurityContext is the fitting Pod's securityContext. A Pod and
	// its containers both call theirs securityContext; here, where Pod and
	// container fields sit side by side, the container keeps the name (as
	// image, command and resources keep theirs) and the Pod's takes the
	// name of its type. Unset, the Pod has none, as the default image
	// needs. Pod Security "restricted" wants runAsNonRoot and a
	// seccompProfile here (or on the container), and a non-zero runAsUser
	// for an image that would run as root.
	// +optional
	PodSecurityContext *corev1.PodSecurityContext `json:"podSecurityContext,omitempty"`
	// ServiceAccountName of the Pod: it needs to update the data ConfigMap.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self == '' || self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be a ServiceAccount name: a lowercase RFC 1123 subdomain (lowercase letters, digits, - and ., starting and ending with a letter or digit) of at most 253 characters"
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// Tolerations of the Pod.
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// Volumes of the Pod; each one is also mounted at "/<volume name>".
	// The names fittingjob-config and fittingjob-configmap are the
	// controller's.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:XValidation:rule="self.all(v, v.name != 'fittingjob-config')",message="the volume name fittingjob-config is reserved for the controller's config volume"
	// +kubebuilder:validation:XValidation:rule="self.all(v, v.name != 'fittingjob-configmap')",message="the volume name fittingjob-configmap is reserved for the controller's volume of the config ConfigMap"
	// +optional
	Volumes []corev1.Volume `json:"volumes,omitempty"`

	// Args of the fitting container.
	// +optional
	Args []string `json:"args,omitempty"`
	// Command of the fitting container.
	// +optional
	Command []string `json:"command,omitempty"`
	// Env of the fitting container.
	// +optional
	Env []corev1.EnvVar `json:"env,omitempty"`
	// EnvFrom of the fitting container.
	// +optional
	EnvFrom []corev1.EnvFromSource `json:"envFrom,omitempty"`
	// Image of the fitting container.
	// +kubebuilder:default="cyberagentoss/intelligent-hpa-fittingjob:latest"
	// +optional
	Image string `json:"image,omitempty"`
	// ImagePullPolicy of the fitting container.
	// +kubebuilder:validation:Enum=Always;Never;IfNotPresent
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
	// Resources of the fitting container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
	// SecurityContext of the fitting container. Unset, it has none, as the
	// default image needs. Pod Security "restricted" wants
	// allowPrivilegeEscalation false and capabilities that drop ALL here.
	// +optional
	SecurityContext *corev1.SecurityContext `json:"securityContext,omitempty"`
}

// Seasonality is the seasonality the forecasting model assumes.
// +kubebuilder:validation:Enum=daily;weekly;yearly;auto
type Seasonality string

const (
	SeasonalityDaily  Seasonality = "daily"
	SeasonalityWeekly Seasonality = "weekly"
	SeasonalityYearly Seasonality = "yearly"
	SeasonalityAuto   Seasonality = "auto"
)

// ChangePointDetectionConfig holds the parameters of the change-point
// detection (singular spectrum transformation) run before fitting.
type ChangePointDetectionConfig struct {
	// PercentageThreshold above which points are dropped (1-99).
	// +kubebuilder:default=50
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=99
	// +optional
	PercentageThreshold *int32 `json:"percentageThreshold,omitempty"`
	// WindowSize is the width of the sliding window.
	// +kubebuilder:default=100
	// +kubebuilder:validation:Minimum=1
	// +optional
	WindowSize *int32 `json:"windowSize,omitempty"`
	// TrajectoryRows is the number of rows of the trajectory matrix.
	// +kubebuilder:default=50
	// +kubebuilder:validation:Minimum=1
	// +optional
	TrajectoryRows *int32 `json:"trajectoryRows,omitempty"`
	// TrajectoryFeatures is the number of left singular vectors kept from
	// the trajectory matrix.
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +optional
	TrajectoryFeatures *int32 `json:"trajectoryFeatures,omitempty"`
	// TestRows is the number of rows of the test matrix.
	// +kubebuilder:default=50
	// +kubebuilder:validation:Minimum=1
	// +optional
	TestRows *int32 `json:"testRows,omitempty"`
	// TestFeatures is the number of left singular vectors kept from the
	// test matrix.
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +optional
	TestFeatures *int32 `json:"testFeatures,omitempty"`
	// Lag between the trajectory and the test matrices, in points
	// (288 is one day of five-minute points).
	// +kubebuilder:default=288
	// +kubebuilder:validation:Minimum=1
	// +optional
	Lag *int32 `json:"lag,omitempty"`
}

// MetricIdentifier names the metric to forecast.
type MetricIdentifier struct {
	// Name of the metric, as the provider knows it.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +required
	Name string `json:"name"`
	// Selector's matchLabels become the provider's tags.
	// +kubebuilder:validation:XValidation:rule="!has(self.matchExpressions) || size(self.matchExpressions) == 0",message="matchExpressions cannot be expressed as provider tags; use matchLabels"
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// Provider is the metric provider; exactly one of Datadog and Prometheus
// is set.
// +kubebuilder:validation:XValidation:rule="has(self.datadog) != has(self.prometheus)",message="exactly one of datadog or prometheus must be set"
type Provider struct {
	// Name of the provider, for people.
	// +optional
	Name string `json:"name,omitempty"`
	// Datadog provider.
	// +optional
	Datadog *DatadogProvider `json:"datadog,omitempty"`
	// Prometheus provider.
	// +optional
	Prometheus *PrometheusProvider `json:"prometheus,omitempty"`
}

// DatadogProvider holds the Datadog credentials: inline keys (copied into
// the config ConfigMap) or, preferably, KeysFrom.
// +kubebuilder:validation:XValidation:rule="(has(self.apikey) && has(self.appkey)) || (has(self.keysFrom) && size(self.keysFrom) > 0)",message="datadog needs apikey and appkey, or keysFrom"
type DatadogProvider struct {
	// APIKey is copied into config.json (unless KeysFrom is set); prefer
	// KeysFrom.
	// +optional
	APIKey string `json:"apikey,omitempty"`
	// AppKey is copied into config.json (unless KeysFrom is set); prefer
	// KeysFrom.
	// +optional
	AppKey string `json:"appkey,omitempty"`
	// KeysFrom provides both keys, as the environment variables DD_API_KEY
	// and DD_APP_KEY (typically a Secret with those keys). An init
	// container of the fitting Pod writes them into the fitting
	// container's config.json, on an emptyDir in memory; the fitting
	// container also gets them in its envFrom. They never land in a
	// ConfigMap. Inline keys next to KeysFrom are ignored.
	// +optional
	KeysFrom []corev1.EnvFromSource `json:"keysFrom,omitempty"`
}

// PrometheusProvider is a Prometheus server.
type PrometheusProvider struct {
	// URL of the Prometheus server.
	// +kubebuilder:validation:MinLength=1
	// +required
	URL string `json:"url"`
}

// FittingJobStatus is the observed state of a FittingJob.
type FittingJobStatus struct {
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Ready tells whether the ConfigMap and CronJob are in
	// sync with the spec, and if not, why; ForecastFresh tells whether the
	// last successful fit is recent enough for the schedule in force, and
	// if not, why.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Schedule is the cron expression in force.
	// +optional
	Schedule string `json:"schedule,omitempty"`
	// LastScheduleTime is when the schedule last started a run: the
	// CronJob's lastScheduleTime, or the scheduled time of its newest Job
	// when that is seen first. It never goes backwards.
	// +optional
	LastScheduleTime *metav1.Time `json:"lastScheduleTime,omitempty"`
	// LastSuccessfulTime is when the last successful fit completed: the
	// later of the CronJob's lastSuccessfulTime and the completion time of
	// the newest succeeded Job of the FittingJob, manual runs included. It
	// never goes backwards.
	// +optional
	LastSuccessfulTime *metav1.Time `json:"lastSuccessfulTime,omitempty"`
	// LastRun is the newest Job of the FittingJob (from the schedule or
	// started by hand) as last observed. It stays when the Job is deleted.
	// +optional
	LastRun *LastRun `json:"lastRun,omitempty"`
}

// LastRun describes one run of the fitting container: a Job created from
// the FittingJob's CronJob.
type LastRun struct {
	// JobName is the name of the Job, in the FittingJob's namespace.
	// +required
	JobName string `json:"jobName"`
	// StartTime is when the run started: the Job's creation time.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// CompletionTime is when the Job succeeded or failed, or when the
	// controller found that its Job had disappeared.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Outcome of the run.
	// +required
	Outcome RunOutcome `json:"outcome"`
	// Reason is a CamelCase word for why the run failed, is stuck or waits:
	// the Job's failure reason (BackoffLimitExceeded, DeadlineExceeded…)
	// or, where the Job is silent, its Pod's (Unschedulable,
	// ImagePullBackOff, OOMKilled…); for a Queued run, Kueue's reason (its
	// Workload's), or NoWorkload or KueueNotWatched.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message explains Reason to a person: the Job's and the Pod's words,
	// exit code and termination message included.
	// +optional
	Message string `json:"message,omitempty"`
}

// RunOutcome is how a run ended, or Running, or Queued while Kueue has not
// admitted it; Unknown when its Job disappeared before it finished.
// +kubebuilder:validation:Enum=Queued;Running;Succeeded;Failed;Unknown
type RunOutcome string

// FittingJobList is a list of FittingJobs.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type FittingJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []FittingJob `json:"items"`
}
