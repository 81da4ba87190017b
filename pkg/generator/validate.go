package generator

import (
	"fmt"
	"slices"

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

var (
	supportedSeasonalities = []ihpav1beta2.Seasonality{
		ihpav1beta2.SeasonalityDaily, ihpav1beta2.SeasonalityWeekly,
		ihpav1beta2.SeasonalityYearly, ihpav1beta2.SeasonalityAuto,
	}
	supportedConcurrencyPolicies = []batchv1.ConcurrencyPolicy{
		batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent,
	}
)

// validate reports what in fj the generator cannot act on, with field paths,
// for the case where the CRD was installed without its schema. The size of
// config.json is checked once it is made (validateConfigSize).
func validate(fj *ihpav1beta2.FittingJob) field.ErrorList {
	specPath := field.NewPath("spec")
	var errs field.ErrorList
	errs = append(errs, validateName(fj.Name, field.NewPath("metadata", "name"))...)
	errs = append(errs, validateMetric(&fj.Spec.Metric, specPath.Child("metric"))...)
	errs = append(errs, validateProvider(&fj.Spec.Provider, specPath.Child("provider"))...)
	if s := fj.Spec.Seasonality; s != "" && !slices.Contains(supportedSeasonalities, s) {
		errs = append(errs, field.NotSupported(specPath.Child("seasonality"), s, supportedSeasonalities))
	}
	if h := fj.Spec.ExecuteOn; h != nil && (*h < 0 || *h > 23) {
		errs = append(errs, field.Invalid(specPath.Child("executeOn"), *h, "must be an hour of the day, from 0 to 23"))
	}
	errs = append(errs, validateChangePointDetection(fj.Spec.ChangePointDetectionConfig, specPath.Child("changePointDetectionConfig"))...)
	errs = append(errs, validateVolumes(fj.Spec.Volumes, specPath.Child("volumes"))...)
	if p := fj.Spec.ConcurrencyPolicy; p != "" && !slices.Contains(supportedConcurrencyPolicies, p) {
		errs = append(errs, field.NotSupported(specPath.Child("concurrencyPolicy"), p, supportedConcurrencyPolicies))
	}
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
	if m.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), "the metric to forecast"))
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
			errs = append(errs, field.Invalid(p, v.Name, "the volume name "+ConfigVolumeName+" is reserved for the controller's config volume"))
		default:
			for _, msg := range validation.IsDNS1123Label(v.Name) {
				errs = append(errs, field.Invalid(p, v.Name, msg))
			}
		}
		if seen.Has(v.Name) {
			errs = append(errs, field.Duplicate(p, v.Name))
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
