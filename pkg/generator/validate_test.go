package generator

import (
	"archive/zip"
	"fmt"
	"go/build"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		{"volume named fittingjob-configmap", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Volumes = []corev1.Volume{{Name: "fittingjob-configmap", VolumeSource: emptyDir}}
		}, []fieldError{{field.ErrorTypeInvalid, "spec.volumes[0].name"}}},
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

		{"metric name of 1024 characters", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Metric.Name = strings.Repeat("m", 1024) }, nil},
		{"metric name of 1024 two-byte characters", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Metric.Name = strings.Repeat("é", 1024) }, nil},
		{"metric name of 1025 characters", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Metric.Name = strings.Repeat("m", 1025) },
			[]fieldError{{field.ErrorTypeTooLong, "spec.metric.name"}}},

		{"schedule of five fields", setSchedule("30 3 * * 1-5"), nil},
		{"schedule with names, lists, steps and ?", setSchedule("*/15 0-23/2 ? JAN,feb MON-FRI"), nil},
		{"schedule @yearly", setSchedule("@yearly"), nil},
		{"schedule @annually", setSchedule("@annually"), nil},
		{"schedule @monthly", setSchedule("@monthly"), nil},
		{"schedule @weekly", setSchedule("@weekly"), nil},
		{"schedule @daily", setSchedule("@daily"), nil},
		{"schedule @midnight", setSchedule("@midnight"), nil},
		{"schedule @hourly", setSchedule("@hourly"), nil},
		{"schedule that lists every value", setSchedule(longestSchedule), nil},
		{"schedule of 512 characters", setSchedule(scheduleOfLength(512)), nil},
		{"schedule of 513 characters", setSchedule(scheduleOfLength(513)), []fieldError{{field.ErrorTypeTooLong, "spec.schedule"}}},
		{"schedule of 1 MiB", setSchedule(strings.Repeat("0 ", 1<<19)), []fieldError{{field.ErrorTypeTooLong, "spec.schedule"}}},
		// Spaces and tabs between fields, as in a crontab, worked before.
		{"schedule separated by tabs", setSchedule("0\t4\t*\t*\t*"), nil},
		{"schedule separated by two spaces", setSchedule("0  4 * * *"), nil},
		{"schedule separated by newlines", setSchedule("0\n4\n*\n*\n*"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule with a newline at the end", setSchedule("0 4 * * *\n"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule with a space in front", setSchedule(" 0 4 * * *"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule separated by no-break spaces", setSchedule("0\u00a04\u00a0*\u00a0*\u00a0*"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule separated by ideographic spaces", setSchedule("0\u30004\u3000*\u3000*\u3000*"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule with a fullwidth digit", setSchedule("\uff10 4 * * *"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule of six fields", setSchedule("0 0 4 * * *"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule of four fields", setSchedule("0 4 * *"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule @every", setSchedule("@every 1h"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule @reboot", setSchedule("@reboot"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule TZ= prefix", setSchedule("TZ=UTC 0 4 * * *"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule CRON_TZ= prefix", setSchedule("CRON_TZ=Asia/Tokyo 0 4 * * *"), []fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule TZ= prefix with no space, on which robfig/cron panics", setSchedule("TZ=UTC\t0\t4\t*\t*"),
			[]fieldError{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"schedule well formed but out of range is the CronJob API's to refuse", setSchedule("60 24 32 13 8"), nil},

		{"timeZone Asia/Tokyo", setTimeZone("Asia/Tokyo"), nil},
		{"timeZone Etc/GMT+9", setTimeZone("Etc/GMT+9"), nil},
		{"timeZone UTC", setTimeZone("UTC"), nil},
		{"timeZone with a 14-character part", setTimeZone("America/Argentina/ComodRivadavia"), nil},
		{"timeZone unknown but well formed is the CronJob API's to refuse", setTimeZone("Mars/Olympus_Mons"), nil},
		{"timeZone empty", setTimeZone(""), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone Local", setTimeZone("Local"), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone local", setTimeZone("local"), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone with a 15-character part", setTimeZone("America/Argentina/ComodoRivadavia"), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone with a trailing space", setTimeZone("Asia/Tokyo "), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone climbing out of the zone directory", setTimeZone("../../etc/passwd"), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone with an empty part", setTimeZone("Asia//Tokyo"), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone absolute", setTimeZone("/UTC"), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone part starting with -", setTimeZone("Etc/-UTC"), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone not ASCII", setTimeZone("Asia/Tōkyō"), []fieldError{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"timeZone of 65 characters", setTimeZone(strings.Repeat("Abcdefghijklm/", 4) + "Abcdefghi"), []fieldError{{field.ErrorTypeTooLong, "spec.timeZone"}}},

		{"dataConfigMap named like a subdomain", setDataConfigMap("forecast.web-1"), nil},
		{"dataConfigMap name of 253 characters", setDataConfigMap(strings.Repeat(strings.Repeat("a", 62)+".", 4) + "a"), nil},
		{"dataConfigMap name empty, no destination", setDataConfigMap(""), nil},
		{"dataConfigMap name that only starts like the config ConfigMap", setDataConfigMap("fittingjob-config-data"), nil},
		{"dataConfigMap name of 254 characters", setDataConfigMap(strings.Repeat(strings.Repeat("a", 62)+".", 4) + "ab"),
			[]fieldError{{field.ErrorTypeInvalid, "spec.dataConfigMap.name"}}},
		{"dataConfigMap name in capitals", setDataConfigMap("Forecast"), []fieldError{{field.ErrorTypeInvalid, "spec.dataConfigMap.name"}}},
		{"dataConfigMap name with an underscore", setDataConfigMap("fore_cast"), []fieldError{{field.ErrorTypeInvalid, "spec.dataConfigMap.name"}}},
		{"dataConfigMap name ending with a dot", setDataConfigMap("forecast."), []fieldError{{field.ErrorTypeInvalid, "spec.dataConfigMap.name"}}},
		{"dataConfigMap is the config ConfigMap", setDataConfigMap("fittingjob-config"), []fieldError{{field.ErrorTypeInvalid, "spec.dataConfigMap.name"}}},

		{"serviceAccountName a subdomain", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ServiceAccountName = "ihpa.web-1" }, nil},
		{"serviceAccountName in capitals", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ServiceAccountName = "IHPA" },
			[]fieldError{{field.ErrorTypeInvalid, "spec.serviceAccountName"}}},
		{"serviceAccountName of 254 characters", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ServiceAccountName = strings.Repeat("a", 254) },
			[]fieldError{{field.ErrorTypeTooLong, "spec.serviceAccountName"}}},

		{"queueName a LocalQueue name", func(fj *ihpav1beta2.FittingJob) { fj.Spec.QueueName = "fits-1" }, nil},
		{"queueName with a dot", func(fj *ihpav1beta2.FittingJob) { fj.Spec.QueueName = "team.fits" },
			[]fieldError{{field.ErrorTypeInvalid, "spec.queueName"}}},
		{"queueName of 64 characters", func(fj *ihpav1beta2.FittingJob) { fj.Spec.QueueName = strings.Repeat("q", 64) },
			[]fieldError{{field.ErrorTypeTooLong, "spec.queueName"}}},

		{"activeDeadlineSeconds 1", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ActiveDeadlineSeconds = ptrTo[int64](1) }, nil},
		{"activeDeadlineSeconds at the time.Duration limit", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ActiveDeadlineSeconds = ptrTo(ihpav1beta2.MaxDurationSeconds)
		}, nil},
		{"activeDeadlineSeconds beyond the time.Duration limit", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ActiveDeadlineSeconds = ptrTo(ihpav1beta2.MaxDurationSeconds + 1)
		}, []fieldError{{field.ErrorTypeInvalid, "spec.activeDeadlineSeconds"}}},
		{"activeDeadlineSeconds MaxInt64", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ActiveDeadlineSeconds = ptrTo[int64](math.MaxInt64) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.activeDeadlineSeconds"}}},
		{"activeDeadlineSeconds 0", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ActiveDeadlineSeconds = ptrTo[int64](0) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.activeDeadlineSeconds"}}},
		{"startingDeadlineSeconds 0", func(fj *ihpav1beta2.FittingJob) { fj.Spec.StartingDeadlineSeconds = ptrTo[int64](0) }, nil},
		{"startingDeadlineSeconds at the time.Duration limit", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.StartingDeadlineSeconds = ptrTo(ihpav1beta2.MaxDurationSeconds)
		}, nil},
		{"startingDeadlineSeconds beyond the time.Duration limit", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.StartingDeadlineSeconds = ptrTo(ihpav1beta2.MaxDurationSeconds + 1)
		}, []fieldError{{field.ErrorTypeInvalid, "spec.startingDeadlineSeconds"}}},
		{"startingDeadlineSeconds -1", func(fj *ihpav1beta2.FittingJob) { fj.Spec.StartingDeadlineSeconds = ptrTo[int64](-1) },
			[]fieldError{{field.ErrorTypeInvalid, "spec.startingDeadlineSeconds"}}},
		{"counts at MaxInt32", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.BackoffLimit, fj.Spec.Completions = ptrTo[int32](math.MaxInt32), ptrTo[int32](math.MaxInt32)
			fj.Spec.SuccessfulJobsHistoryLimit, fj.Spec.FailedJobsHistoryLimit = ptrTo[int32](math.MaxInt32), ptrTo[int32](math.MaxInt32)
		}, nil},
		{"negative counts", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.BackoffLimit, fj.Spec.Completions = ptrTo[int32](-1), ptrTo[int32](math.MinInt32)
			fj.Spec.SuccessfulJobsHistoryLimit, fj.Spec.FailedJobsHistoryLimit = ptrTo[int32](-1), ptrTo[int32](-1)
		}, []fieldError{
			{field.ErrorTypeInvalid, "spec.backoffLimit"}, {field.ErrorTypeInvalid, "spec.completions"},
			{field.ErrorTypeInvalid, "spec.successfulJobsHistoryLimit"}, {field.ErrorTypeInvalid, "spec.failedJobsHistoryLimit"},
		}},

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

func setSchedule(s string) func(*ihpav1beta2.FittingJob) {
	return func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = s }
}

func setTimeZone(tz string) func(*ihpav1beta2.FittingJob) {
	return func(fj *ihpav1beta2.FittingJob) { fj.Spec.TimeZone = &tz }
}

func setDataConfigMap(name string) func(*ihpav1beta2.FittingJob) {
	return func(fj *ihpav1beta2.FittingJob) { fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: name} }
}

// longestSchedule lists every value of every field once, with leading
// zeros and names: the longest cron expression without repetition, which
// MaxScheduleLength must admit.
var longestSchedule = func() string {
	list := func(from, to int) string {
		var values []string
		for i := from; i <= to; i++ {
			values = append(values, fmt.Sprintf("%02d", i))
		}
		return strings.Join(values, ",")
	}
	return strings.Join([]string{
		list(0, 59), list(0, 23), list(1, 31),
		"JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC", "SUN,MON,TUE,WED,THU,FRI,SAT",
	}, " ")
}()

// scheduleOfLength is a valid schedule of n characters (n odd or even,
// at least 9): minute 0, repeated.
func scheduleOfLength(n int) string {
	s := "0" + strings.Repeat(",0", (n-9)/2) + " 4 * * *"
	if len(s) < n {
		s = "00" + s[1:]
	}
	return s
}

// TestScheduleLimits pins the schedule boundaries the table uses: the
// longest expression fits, and the generated lengths are what they claim.
// (That the CronJob API takes such schedules, pkg/integration checks.)
func TestScheduleLimits(t *testing.T) {
	if n := len(longestSchedule); n != 420 || n > ihpav1beta2.MaxScheduleLength {
		t.Errorf("the longest schedule has %d characters, want 420 (the figure limits.go gives), within %d", n, ihpav1beta2.MaxScheduleLength)
	}
	if n := len(scheduleOfLength(512)); n != 512 {
		t.Errorf("test setup: scheduleOfLength(512) has %d characters", n)
	}
	if n := len(scheduleOfLength(513)); n != 513 {
		t.Errorf("test setup: scheduleOfLength(513) has %d characters", n)
	}
}

// TestValidateTimeZoneAdmitsEveryZone: no zone of the tz database that Go
// ships (and so the CronJob API can load) is refused by the form, and
// each name is within MaxTimeZoneLength.
func TestValidateTimeZoneAdmitsEveryZone(t *testing.T) {
	zones, err := zip.OpenReader(filepath.Join(build.Default.GOROOT, "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("no tz database to check against: %v", err)
	}
	defer zones.Close()
	var checked int
	for _, f := range zones.File {
		if f.FileInfo().IsDir() {
			continue
		}
		name := f.Name
		if _, err := time.LoadLocation(name); err != nil {
			continue // not a zone (Go's zip holds zones only, but be sure)
		}
		checked++
		if errs := validateTimeZone(&name, field.NewPath("spec", "timeZone")); len(errs) > 0 {
			t.Errorf("zone %s is refused: %v", name, errs)
		}
	}
	if checked < 300 {
		t.Errorf("checked only %d zones", checked)
	}
}

// TestValidateMessages: the messages say what to do, and quote no value
// longer than maxQuoted, so that they fit the Ready condition and events.
func TestValidateMessages(t *testing.T) {
	huge := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		name   string
		mutate func(*ihpav1beta2.FittingJob)
		want   string
	}{
		{"TZ in the schedule", setSchedule("TZ=UTC 0 4 * * *"), "spec.timeZone"},
		{"the config ConfigMap as the data ConfigMap", setDataConfigMap("fittingjob-config"), "-config"},
		{"Local", setTimeZone("Local"), "Local"},
		{"@every", setSchedule("@every 1h"), "@daily"},
		{"huge schedule", setSchedule(huge), "512"},
		{"huge seasonality", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = ihpav1beta2.Seasonality(huge) }, "spec.seasonality"},
		{"huge concurrencyPolicy", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ConcurrencyPolicy = batchv1.ConcurrencyPolicy(huge) }, "spec.concurrencyPolicy"},
		{"huge volume names", func(fj *ihpav1beta2.FittingJob) {
			v := corev1.Volume{Name: huge, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
			fj.Spec.Volumes = []corev1.Volume{v, v}
		}, "spec.volumes[1].name"},
		{"huge dataConfigMap name", setDataConfigMap(huge), "spec.dataConfigMap.name"},
		{"huge timeZone", setTimeZone(huge), "spec.timeZone"},
		{"huge serviceAccountName", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ServiceAccountName = huge }, "spec.serviceAccountName"},
		{"huge metric name", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Metric.Name = huge }, "spec.metric.name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := compatibilityFixture(t)
			tc.mutate(fj)
			errs := validationErrors(fj)
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			msg := errs.ToAggregate().Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not say %q", msg, tc.want)
			}
			if len(msg) > 4*1024 {
				t.Errorf("message of %d bytes: %.200s…", len(msg), msg)
			}
		})
	}
}
