package generator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// maxNameLength is the longest FittingJob name: the CronJob carries the
// same name, and Kubernetes limits CronJob names to 52 characters so that
// the names of the Jobs it creates fit in 63.
const maxNameLength = 52

// maxConfigMapData is how many bytes of data the API server accepts in one
// ConfigMap (it uses the Secret limit for both).
const maxConfigMapData = corev1.MaxSecretSize

// maxQuoted is the longest value an error message quotes. The messages
// land in the FittingJob's Ready condition, whose message the CRD caps at
// 32 KiB, and in events: a longer value is left out, the path and the rule
// say enough.
const maxQuoted = ihpav1beta2.MaxScheduleLength

var (
	scheduleForm     = regexp.MustCompile(ihpav1beta2.ScheduleForm)
	timeZoneForm     = regexp.MustCompile(ihpav1beta2.TimeZoneForm)
	dnsSubdomainForm = regexp.MustCompile(ihpav1beta2.DNSSubdomainForm)
	dnsLabelForm     = regexp.MustCompile(ihpav1beta2.DNSLabelForm)

	supportedSeasonalities = []ihpav1beta2.Seasonality{
		ihpav1beta2.SeasonalityDaily, ihpav1beta2.SeasonalityWeekly,
		ihpav1beta2.SeasonalityYearly, ihpav1beta2.SeasonalityAuto,
	}
	supportedConcurrencyPolicies = []batchv1.ConcurrencyPolicy{
		batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent,
	}
)

// validate reports what in fj the generator cannot act on, with field paths,
// for the case where the CRD was installed without its schema: what the
// CRD's schema refuses, with the same paths and, for the rules of
// limits.go in pkg/apis, the same messages. The size of config.json is
// checked once it is made (validateConfigSize). Lengths are counted in
// characters, as the CRD's maxLength and CEL's size() count them: a metric
// name of 1024 "é" (2048 bytes) is admitted.
func validate(fj *ihpav1beta2.FittingJob) field.ErrorList {
	specPath := field.NewPath("spec")
	var errs field.ErrorList
	errs = append(errs, validateName(fj.Name, field.NewPath("metadata", "name"))...)
	errs = append(errs, validateMetric(&fj.Spec.Metric, specPath.Child("metric"))...)
	errs = append(errs, validateProvider(&fj.Spec.Provider, specPath.Child("provider"))...)
	if s := fj.Spec.Seasonality; s != "" && !slices.Contains(supportedSeasonalities, s) {
		errs = append(errs, field.NotSupported(specPath.Child("seasonality"), quotable(string(s)), supportedSeasonalities))
	}
	if h := fj.Spec.ExecuteOn; h != nil && (*h < 0 || *h > 23) {
		errs = append(errs, field.Invalid(specPath.Child("executeOn"), *h, "must be an hour of the day, from 0 to 23"))
	}
	errs = append(errs, validateChangePointDetection(fj.Spec.ChangePointDetectionConfig, specPath.Child("changePointDetectionConfig"))...)
	errs = append(errs, validateVolumes(fj.Spec.Volumes, specPath.Child("volumes"))...)
	if p := fj.Spec.ConcurrencyPolicy; p != "" && !slices.Contains(supportedConcurrencyPolicies, p) {
		errs = append(errs, field.NotSupported(specPath.Child("concurrencyPolicy"), quotable(string(p)), supportedConcurrencyPolicies))
	}
	errs = append(errs, validateSchedule(fj.Spec.Schedule, specPath.Child("schedule"))...)
	errs = append(errs, validateTimeZone(fj.Spec.TimeZone, specPath.Child("timeZone"))...)
	errs = append(errs, validateDataConfigMap(fj, specPath.Child("dataConfigMap", "name"))...)
	errs = append(errs, validateDNSSubdomain(fj.Spec.ServiceAccountName, specPath.Child("serviceAccountName"), ihpav1beta2.ServiceAccountNameMessage)...)
	errs = append(errs, validateQueueName(fj.Spec.QueueName, specPath.Child("queueName"))...)
	errs = append(errs, validateCounts(&fj.Spec, specPath)...)
	return errs
}

func validateName(name string, path *field.Path) field.ErrorList {
	switch {
	case name == "":
		return field.ErrorList{field.Required(path, "")}
	case len(name) > maxNameLength:
		err := field.TooLong(path, name, maxNameLength)
		err.Detail = fmt.Sprintf("must be at most %d characters: the CronJob carries the same name and Kubernetes limits CronJob names to %d", maxNameLength, maxNameLength)
		return field.ErrorList{err}
	}
	return nil
}

func validateMetric(m *ihpav1beta2.MetricIdentifier, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case m.Name == "":
		errs = append(errs, field.Required(path.Child("name"), "the metric to forecast"))
	case utf8.RuneCountInString(m.Name) > ihpav1beta2.MaxMetricNameLength:
		errs = append(errs, field.TooLong(path.Child("name"), m.Name, ihpav1beta2.MaxMetricNameLength))
	}
	if m.Selector != nil && len(m.Selector.MatchExpressions) > 0 {
		errs = append(errs, field.Forbidden(path.Child("selector", "matchExpressions"),
			"matchExpressions cannot be expressed as provider tags; use matchLabels"))
	}
	return errs
}

func validateProvider(p *ihpav1beta2.Provider, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case p.Datadog == nil && p.Prometheus == nil:
		return field.ErrorList{field.Required(path, "exactly one of datadog or prometheus must be set")}
	case p.Datadog != nil && p.Prometheus != nil:
		errs = append(errs, field.Forbidden(path.Child("prometheus"), "exactly one of datadog or prometheus must be set, and datadog is"))
	}
	if d := p.Datadog; d != nil && len(d.KeysFrom) == 0 {
		dpath := path.Child("datadog")
		if d.APIKey == "" {
			errs = append(errs, field.Required(dpath.Child("apikey"), "datadog needs apikey and appkey, or keysFrom"))
		}
		if d.AppKey == "" {
			errs = append(errs, field.Required(dpath.Child("appkey"), "datadog needs apikey and appkey, or keysFrom"))
		}
	}
	if p.Prometheus != nil && p.Prometheus.URL == "" {
		errs = append(errs, field.Required(path.Child("prometheus", "url"), "the URL of the Prometheus server"))
	}
	return errs
}

// validateChangePointDetection checks the parameters.
func validateChangePointDetection(c *ihpav1beta2.ChangePointDetectionConfig, path *field.Path) field.ErrorList {
	if c == nil {
		return nil
	}
	var errs field.ErrorList
	if v := c.PercentageThreshold; v != nil && (*v < 1 || *v > 99) {
		errs = append(errs, field.Invalid(path.Child("percentageThreshold"), *v, "must be a percentage from 1 to 99"))
	}
	for _, p := range []struct {
		name  string
		value *int32
	}{
		{"windowSize", c.WindowSize},
		{"trajectoryRows", c.TrajectoryRows},
		{"trajectoryFeatures", c.TrajectoryFeatures},
		{"testRows", c.TestRows},
		{"testFeatures", c.TestFeatures},
		{"lag", c.Lag},
	} {
		if p.value != nil && *p.value < 1 {
			errs = append(errs, field.Invalid(path.Child(p.name), *p.value, "must be at least 1"))
		}
	}
	return errs
}

// validateVolumes checks the volume names, which the generator turns into
// mount paths "/<name>" next to its own config volume.
func validateVolumes(vs []corev1.Volume, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, v := range vs {
		p := path.Index(i).Child("name")
		switch {
		case v.Name == "":
			errs = append(errs, field.Required(p, ""))
			continue
		case v.Name == ConfigVolumeName:
			errs = append(errs, field.Invalid(p, v.Name, ihpav1beta2.ConfigVolumeMessage))
		case v.Name == ConfigMapVolumeName:
			errs = append(errs, field.Invalid(p, v.Name, ihpav1beta2.ConfigMapVolumeMessage))
		default:
			for _, msg := range validation.IsDNS1123Label(v.Name) {
				errs = append(errs, field.Invalid(p, quotable(v.Name), msg))
			}
		}
		if seen.Has(v.Name) {
			errs = append(errs, field.Duplicate(p, quotable(v.Name)))
		}
		seen.Insert(v.Name)
	}
	return errs
}

// validateConfigSize refuses a config.json that the API server would
// refuse to store. Only customConfig is free-form and unbounded by nature,
// so the error points there when it is set.
func validateConfigSize(fj *ihpav1beta2.FittingJob, data []byte) field.ErrorList {
	if len(data) <= maxConfigMapData {
		return nil
	}
	path := field.NewPath("spec")
	if fj.Spec.CustomConfig != "" {
		path = path.Child("customConfig")
	}
	tooLong := field.TooLong(path, "", maxConfigMapData)
	tooLong.Detail = fmt.Sprintf("%s would be %d bytes, more than the 1 MiB (%d bytes) a ConfigMap can hold", ConfigKey, len(data), maxConfigMapData)
	return field.ErrorList{tooLong}
}

// validateSchedule checks spec.schedule as the CRD does: not too long, no
// time zone (robfig/cron, which the controller parses it with, panics on
// some TZ= prefixes), and five fields or a macro.
func validateSchedule(schedule string, path *field.Path) field.ErrorList {
	switch {
	case schedule == "":
		return nil // not set: executeOn and the spread minute
	case utf8.RuneCountInString(schedule) > ihpav1beta2.MaxScheduleLength:
		return field.ErrorList{field.TooLong(path, schedule, ihpav1beta2.MaxScheduleLength)}
	case strings.Contains(schedule, "TZ"):
		return field.ErrorList{field.Invalid(path, schedule, ihpav1beta2.ScheduleTimeZoneMessage)}
	case !scheduleForm.MatchString(schedule):
		return field.ErrorList{field.Invalid(path, schedule, ihpav1beta2.ScheduleFormMessage)}
	}
	return nil
}

// validateTimeZone checks the form of spec.timeZone; whether the zone
// exists is the CronJob API's to say (it loads it).
func validateTimeZone(timeZone *string, path *field.Path) field.ErrorList {
	if timeZone == nil {
		return nil
	}
	switch tz := *timeZone; {
	case tz == "":
		return field.ErrorList{field.Invalid(path, tz, "must not be empty: leave spec.timeZone out for the zone of the kube-controller-manager")}
	case utf8.RuneCountInString(tz) > ihpav1beta2.MaxTimeZoneLength:
		return field.ErrorList{field.TooLong(path, tz, ihpav1beta2.MaxTimeZoneLength)}
	case !timeZoneForm.MatchString(tz):
		return field.ErrorList{field.Invalid(path, tz, ihpav1beta2.TimeZoneFormMessage)}
	case strings.EqualFold(tz, "Local"):
		return field.ErrorList{field.Invalid(path, tz, ihpav1beta2.TimeZoneLocalMessage)}
	}
	return nil
}

// validateDataConfigMap checks the name of the data ConfigMap: a ConfigMap
// name, and not the config ConfigMap's, which the controller keeps
// rewriting. Unset or empty, there is no destination (a warning).
func validateDataConfigMap(fj *ihpav1beta2.FittingJob, path *field.Path) field.ErrorList {
	if fj.Spec.DataConfigMap == nil || fj.Spec.DataConfigMap.Name == "" {
		return nil
	}
	name := fj.Spec.DataConfigMap.Name
	var errs field.ErrorList
	if utf8.RuneCountInString(name) > ihpav1beta2.MaxDNSSubdomainLength || !dnsSubdomainForm.MatchString(name) {
		errs = append(errs, field.Invalid(path, quotable(name), ihpav1beta2.DataConfigMapNameMessage))
	}
	if name == ConfigMapName(fj) {
		errs = append(errs, field.Invalid(path, name, ihpav1beta2.DataConfigMapOwnMessage))
	}
	return errs
}

// validateDNSSubdomain checks an optional object name (a ServiceAccount's)
// that the Pod API would refuse, quoting it.
func validateDNSSubdomain(name string, path *field.Path, message string) field.ErrorList {
	switch {
	case name == "":
		return nil
	case utf8.RuneCountInString(name) > ihpav1beta2.MaxDNSSubdomainLength:
		return field.ErrorList{field.TooLong(path, name, ihpav1beta2.MaxDNSSubdomainLength)}
	case !dnsSubdomainForm.MatchString(name):
		return field.ErrorList{field.Invalid(path, name, message)}
	}
	return nil
}

// validateQueueName checks spec.queueName, which becomes a label value.
func validateQueueName(name string, path *field.Path) field.ErrorList {
	switch {
	case name == "":
		return nil
	case utf8.RuneCountInString(name) > ihpav1beta2.MaxDNSLabelLength:
		return field.ErrorList{field.TooLong(path, name, ihpav1beta2.MaxDNSLabelLength)}
	case !dnsLabelForm.MatchString(name):
		return field.ErrorList{field.Invalid(path, name, ihpav1beta2.QueueNameMessage)}
	}
	return nil
}

// validateCounts checks the integers passed to the CronJob and its Jobs
// against the CRD's bounds: no negative counts, and no number of seconds
// that the Job and CronJob controllers cannot turn into a time.Duration.
func validateCounts(spec *ihpav1beta2.FittingJobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct {
		name     string
		value    *int64
		min, max int64
		tooMuch  string
	}{
		{"activeDeadlineSeconds", spec.ActiveDeadlineSeconds, 1, ihpav1beta2.MaxDurationSeconds, ihpav1beta2.ActiveDeadlineSecondsMaxMessage},
		{"startingDeadlineSeconds", spec.StartingDeadlineSeconds, 0, ihpav1beta2.MaxDurationSeconds, ihpav1beta2.StartingDeadlineSecondsMaxMessage},
	} {
		switch {
		case c.value == nil:
		case *c.value < c.min:
			errs = append(errs, field.Invalid(path.Child(c.name), *c.value, fmt.Sprintf("must be at least %d", c.min)))
		case *c.value > c.max:
			errs = append(errs, field.Invalid(path.Child(c.name), *c.value, c.tooMuch))
		}
	}
	for _, c := range []struct {
		name  string
		value *int32
	}{
		{"backoffLimit", spec.BackoffLimit},
		{"completions", spec.Completions},
		{"successfulJobsHistoryLimit", spec.SuccessfulJobsHistoryLimit},
		{"failedJobsHistoryLimit", spec.FailedJobsHistoryLimit},
	} {
		if c.value != nil && *c.value < 0 {
			errs = append(errs, field.Invalid(path.Child(c.name), *c.value, "must be at least 0"))
		}
	}
	return errs
}

// quotable is value for an error to quote, or, when it is longer than
// maxQuoted, a value errors leave out.
func quotable(value string) any {
	if len(value) > maxQuoted {
		return field.OmitValueType{}
	}
	return value
}
