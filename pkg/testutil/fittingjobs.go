// Package testutil builds the FittingJobs that the tests of every part of
// the project start from (the controller's unit tests, the integration
// tests, the kubectl plugin's tests and the benchmark), and works out,
// apart from the generator, what the API promises of them.
//
// It is imported by tests and by the benchmark only, never by the
// controller or the plugin.
package testutil

import (
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// Option changes a FittingJob that FittingJob builds.
type Option func(*ihpav1beta2.FittingJob)

// FittingJob is a small valid Prometheus FittingJob: the metric
// http_requests_total, a Prometheus URL, and a data ConfigMap
// "<name>-data", so that it draws no spec warning. The options change it,
// in order.
func FittingJob(namespace, name string, options ...Option) *ihpav1beta2.FittingJob {
	fj := &ihpav1beta2.FittingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: ihpav1beta2.FittingJobSpec{
			DataConfigMap: &corev1.LocalObjectReference{Name: name + "-data"},
			Metric:        ihpav1beta2.MetricIdentifier{Name: "http_requests_total"},
			Provider: ihpav1beta2.Provider{
				Prometheus: &ihpav1beta2.PrometheusProvider{URL: "http://prometheus.monitoring:9090"},
			},
		},
	}
	for _, option := range options {
		option(fj)
	}
	return fj
}

// WithImage sets the fitting container's image.
func WithImage(image string) Option {
	return func(fj *ihpav1beta2.FittingJob) { fj.Spec.Image = image }
}

// WithSchedule sets spec.schedule.
func WithSchedule(schedule string) Option {
	return func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = schedule }
}

// WithExecuteOn sets spec.executeOn, the hour of the daily fit.
func WithExecuteOn(hour int32) Option {
	return func(fj *ihpav1beta2.FittingJob) { fj.Spec.ExecuteOn = &hour }
}

// WithSeasonality sets spec.seasonality.
func WithSeasonality(s ihpav1beta2.Seasonality) Option {
	return func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = s }
}

// WithRestrictedSecurityContext gives the fitting Pod and container the
// security contexts that pass the Pod Security Standard "restricted", as
// manifests/samples/restricted/ does: non-root user 1000, seccomp
// RuntimeDefault, no privilege escalation, every capability dropped.
func WithRestrictedSecurityContext() Option {
	return func(fj *ihpav1beta2.FittingJob) {
		user := int64(1000)
		nonRoot, escalate := true, false
		fj.Spec.PodSecurityContext = &corev1.PodSecurityContext{
			RunAsNonRoot:   &nonRoot,
			RunAsUser:      &user,
			RunAsGroup:     &user,
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		}
		fj.Spec.SecurityContext = &corev1.SecurityContext{
			AllowPrivilegeEscalation: &escalate,
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}
	}
}

// WithDatadogKeysFrom makes the provider Datadog, with its keys in Secret
// secret (DD_API_KEY and DD_APP_KEY), as manifests/samples/datadog/ does.
func WithDatadogKeysFrom(secret string) Option {
	return func(fj *ihpav1beta2.FittingJob) {
		fj.Spec.Provider = ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{
			KeysFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: secret},
			}}},
		}}
	}
}

// SpreadMinute is the minute of the hour at which a FittingJob without
// spec.schedule runs: FNV-1a (32 bits) of "<namespace>/<name>", modulo
// 60, as the API's documentation defines it. It is computed here, apart
// from the generator, so that tests check the generator against the
// definition rather than against itself.
func SpreadMinute(namespace, name string) int {
	h := fnv.New32a()
	h.Write([]byte(namespace + "/" + name))
	return int(h.Sum32() % 60)
}
