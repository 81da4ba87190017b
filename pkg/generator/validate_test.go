package generator

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// fieldError is the part of a field.Error a test pins: what kind of
// problem, and exactly where.
type fieldError struct {
	Type  field.ErrorType
	Field string
}

func project(errs field.ErrorList) []fieldError {
	var out []fieldError
	for _, e := range errs {
		out = append(out, fieldError{e.Type, e.Field})
	}
	return out
}

func TestValidate(t *testing.T) {
	emptyDir := corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
	keysFrom := []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "k"}}}}
	for _, tc := range []struct {
		name   string
		mutate func(*ihpav1beta2.FittingJob)
		want   []fieldError
	}{
		{"the compatibility fixture is valid", func(*ihpav1beta2.FittingJob) {}, nil},

		{"name of 52 characters", func(fj *ihpav1beta2.FittingJob) { fj.Name = strings.Repeat("a", 52) }, nil},
		{"name of 53 characters", func(fj *ihpav1beta2.FittingJob) { fj.Name = strings.Repeat("a", 53) },
			[]fieldError{{field.ErrorTypeTooLong, "metadata.name"}}},
		{"no name", func(fj *ihpav1beta2.FittingJob) { fj.Name = "" },
			[]fieldError{{field.ErrorTypeRequired, "metadata.name"}}},

		{"no metric name", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Metric.Name = "" },
			[]fieldError{{field.ErrorTypeRequired, "spec.metric.name"}}},
		{"matchExpressions", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Metric.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpExists}}
		}, []fieldError{{field.ErrorTypeForbidden, "spec.metric.selector.matchExpressions"}}},
		{"no selector", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Metric.Selector = nil }, nil},

		{"no provider", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Provider = ihpav1beta2.Provider{Name: "datadog"} },
			[]fieldError{{field.ErrorTypeRequired, "spec.provider"}}},
		{"both providers", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider.Prometheus = &ihpav1beta2.PrometheusProvider{URL: "http://p"}
		}, []fieldError{{field.ErrorTypeForbidden, "spec.provider.prometheus"}}},
		{"prometheus without url", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider = ihpav1beta2.Provider{Prometheus: &ihpav1beta2.PrometheusProvider{}}
		}, []fieldError{{field.ErrorTypeRequired, "spec.provider.prometheus.url"}}},
		{"datadog without credentials", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{}
		}, []fieldError{{field.ErrorTypeRequired, "spec.provider.datadog.apikey"}, {field.ErrorTypeRequired, "spec.provider.datadog.appkey"}}},
		{"datadog without appkey", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Provider.Datadog.AppKey = "" },
			[]fieldError{{field.ErrorTypeRequired, "spec.provider.datadog.appkey"}}},
		{"datadog with keysFrom only", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{KeysFrom: keysFrom}
		}, nil},

		{"seasonality unknown", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = "hourly" },
			[]fieldError{{field.ErrorTypeNotSupported, "spec.seasonality"}}},
		{"seasonality empty means auto", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = "" }, nil},
		{"seasonality weekly", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = ihpav1beta2.SeasonalityWeekly }, nil},
		{"seasonality yearly", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = ihpav1beta2.SeasonalityYearly }, nil},
		{"seasonality auto", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = ihpav1beta2.SeasonalityAuto }, nil},

		{"executeOn 0", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ExecuteOn = ptrTo[int32](0) }, nil},
		{"executeOn 23", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ExecuteOn = ptrTo[int32](23) }, nil},
		{"executeOn 24", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ExecuteOn = ptrTo[int32](24) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.executeOn"}}},
		{"executeOn -1", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ExecuteOn = ptrTo[int32](-1) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.executeOn"}}},

		{"percentageThreshold 0", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig.PercentageThreshold = ptrTo[int32](0)
		},
			[]fieldError{{field.ErrorTypeInvalid, "spec.changePointDetectionConfig.percentageThreshold"}}},
		{"percentageThreshold 100", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig.PercentageThreshold = ptrTo[int32](100)
		},
			[]fieldError{{field.ErrorTypeInvalid, "spec.changePointDetectionConfig.percentageThreshold"}}},
		{"percentageThreshold 1", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig.PercentageThreshold = ptrTo[int32](1)
		}, nil},
		{"percentageThreshold 99", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig.PercentageThreshold = ptrTo[int32](99)
		}, nil},
		{"windowSize 0", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ChangePointDetectionConfig.WindowSize = ptrTo[int32](0) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.changePointDetectionConfig.windowSize"}}},
		{"trajectoryRows 0", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ChangePointDetectionConfig.TrajectoryRows = ptrTo[int32](0) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.changePointDetectionConfig.trajectoryRows"}}},
		{"trajectoryFeatures 0", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig.TrajectoryFeatures = ptrTo[int32](0)
		},
			[]fieldError{{field.ErrorTypeInvalid, "spec.changePointDetectionConfig.trajectoryFeatures"}}},
		{"testRows 0", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ChangePointDetectionConfig.TestRows = ptrTo[int32](0) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.changePointDetectionConfig.testRows"}}},
		{"testFeatures 0", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ChangePointDetectionConfig.TestFeatures = ptrTo[int32](0) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.changePointDetectionConfig.testFeatures"}}},
		{"lag -1", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ChangePointDetectionConfig.Lag = ptrTo[int32](-1) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.changePointDetectionConfig.lag"}}},
		{"change-point parameters unset are defaulted, not invalid", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig = &ihpav1beta2.ChangePointDetectionConfig{}
		}, nil},
		{"no change-point detection", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ChangePointDetectionConfig = nil }, nil},

		{"concurrencyPolicy unknown", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ConcurrencyPolicy = "Never" },
			[]fieldError{{field.ErrorTypeNotSupported, "spec.concurrencyPolicy"}}},
		{"concurrencyPolicy Allow", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent }, nil},
		{"concurrencyPolicy Forbid", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent }, nil},
		{"concurrencyPolicy Replace", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ConcurrencyPolicy = batchv1.ReplaceConcurrent }, nil},

		{"volumes", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Volumes = []corev1.Volume{{Name: "cache", VolumeSource: emptyDir}, {Name: "data", VolumeSource: emptyDir}}
		}, nil},
		{"volume named fittingjob-config", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Volumes = []corev1.Volume{{Name: "cache", VolumeSource: emptyDir}, {Name: "fittingjob-config", VolumeSource: emptyDir}}
		}, []fieldError{{field.ErrorTypeInvalid, "spec.volumes[1].name"}}},
		{"duplicate volume names", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Volumes = []corev1.Volume{{Name: "cache", VolumeSource: emptyDir}, {Name: "data", VolumeSource: emptyDir}, {Name: "cache", VolumeSource: emptyDir}}
		}, []fieldError{{field.ErrorTypeDuplicate, "spec.volumes[2].name"}}},
		{"volume without name", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Volumes = []corev1.Volume{{VolumeSource: emptyDir}}
		}, []fieldError{{field.ErrorTypeRequired, "spec.volumes[0].name"}}},
		{"volume name that is no path segment", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Volumes = []corev1.Volume{{Name: "../etc", VolumeSource: emptyDir}}
		}, []fieldError{{field.ErrorTypeInvalid, "spec.volumes[0].name"}}},

		{"customConfig too big", func(fj *ihpav1beta2.FittingJob) { fj.Spec.CustomConfig = strings.Repeat("x", 1<<20) },
			[]fieldError{{field.ErrorTypeTooLong, "spec.customConfig"}}},

		{"several problems are all reported", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Metric.Name = ""
			fj.Spec.ExecuteOn = ptrTo[int32](25)
			fj.Spec.ConcurrencyPolicy = "Sometimes"
		}, []fieldError{
			{field.ErrorTypeRequired, "spec.metric.name"},
			{field.ErrorTypeInvalid, "spec.executeOn"},
			{field.ErrorTypeNotSupported, "spec.concurrencyPolicy"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := compatibilityFixture(t)
			tc.mutate(fj)
			errs := validationErrors(fj)
			if diff := cmp.Diff(tc.want, project(errs)); diff != "" {
				t.Errorf("Validate (-want +got):\n%s\nerrors: %v", diff, errs)
			}
		})
	}
}

// TestValidateEmptyInput: a FittingJob with nothing set (a CRD without a
// schema accepts it) yields errors, not a panic.
func TestValidateEmptyInput(t *testing.T) {
	want := []fieldError{
		{field.ErrorTypeRequired, "metadata.name"},
		{field.ErrorTypeRequired, "spec.metric.name"},
		{field.ErrorTypeRequired, "spec.provider"},
	}
	for name, fj := range map[string]*ihpav1beta2.FittingJob{
		"zero value": {},
		"nil":        nil,
		"empty pointers": {Spec: ihpav1beta2.FittingJobSpec{
			ChangePointDetectionConfig: &ihpav1beta2.ChangePointDetectionConfig{},
			DataConfigMap:              &corev1.LocalObjectReference{},
			Metric:                     ihpav1beta2.MetricIdentifier{Selector: &metav1.LabelSelector{}},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(want, project(validationErrors(fj))); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateConfigSizeLimit pins the boundary where the API server would
// refuse the ConfigMap: config.json of exactly 1 MiB is stored, one byte
// more is not, and the message says why.
func TestValidateConfigSizeLimit(t *testing.T) {
	fj := compatibilityFixture(t)
	fj.Spec.CustomConfig = ""
	base := desired(t, fj).ConfigMap.Data[ConfigKey]
	fill := 1<<20 - len(base) // 'x' needs no escaping: one byte each

	fj.Spec.CustomConfig = strings.Repeat("x", fill)
	if cm := desired(t, fj).ConfigMap; len(cm.Data[ConfigKey]) != 1<<20 {
		t.Fatalf("test setup: config.json is %d bytes, want exactly 1 MiB", len(cm.Data[ConfigKey]))
	}
	if errs := validationErrors(fj); len(errs) != 0 {
		t.Errorf("config.json of exactly 1 MiB: Validate = %v, want no error", errs)
	}

	fj.Spec.CustomConfig += "x"
	errs := validationErrors(fj)
	if diff := cmp.Diff([]fieldError{{field.ErrorTypeTooLong, "spec.customConfig"}}, project(errs)); diff != "" {
		t.Fatalf("config.json of 1 MiB + 1 byte: Validate (-want +got):\n%s", diff)
	}
	if msg := errs[0].Error(); !strings.Contains(msg, "1 MiB") || !strings.Contains(msg, "ConfigMap") {
		t.Errorf("message %q does not name the 1 MiB ConfigMap limit", msg)
	}
	if len(errs[0].Error()) > 500 {
		t.Errorf("the message quotes the oversized value: %d bytes long", len(errs[0].Error()))
	}

	// Escaping counts: 'x' is one byte, '"' is two in config.json.
	fj.Spec.CustomConfig = strings.Repeat(`"`, fill/2+1)
	if errs := validationErrors(fj); len(errs) != 1 {
		t.Errorf("customConfig that only escaping makes too big: Validate = %v, want one error", errs)
	}
}
