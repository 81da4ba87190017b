package generator

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

func TestWarnings(t *testing.T) {
	const (
		noDestination = "spec.dataConfigMap is not set, so the forecast has no destination: name the ConfigMap the fitting container should write it to."
		inlineKeys    = "spec.provider.datadog.apikey and appkey are copied in clear into ConfigMap fittingjob-config, and a ConfigMap is not a secret store: put the keys in a Secret and name it in spec.provider.datadog.keysFrom instead."
		ignoredKeys   = "spec.provider.datadog.apikey and appkey are ignored: with keysFrom, both keys come from its DD_API_KEY and DD_APP_KEY. Remove them from the FittingJob, which is not a secret store."
	)
	keysFrom := []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "datadog-keys"}}}}
	for _, tc := range []struct {
		name   string
		mutate func(*ihpav1beta2.FittingJob)
		want   []string
	}{
		{"compatibility fixture: no destination, inline keys", func(*ihpav1beta2.FittingJob) {}, []string{noDestination, inlineKeys}},
		{"empty dataConfigMap name", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.DataConfigMap = &corev1.LocalObjectReference{}
			fj.Spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{KeysFrom: keysFrom}
		}, []string{noDestination}},
		{"only the apikey inline", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: "forecast"}
			fj.Spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{APIKey: "xxx"}
		}, []string{inlineKeys}},
		{"an inline key next to keysFrom", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: "forecast"}
			fj.Spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{AppKey: "yyy", KeysFrom: keysFrom}
		}, []string{ignoredKeys}},
		{"keysFrom and a destination: nothing to say", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: "forecast"}
			fj.Spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{KeysFrom: keysFrom}
		}, nil},
		{"prometheus with a destination", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: "forecast"}
			fj.Spec.Provider = ihpav1beta2.Provider{Prometheus: &ihpav1beta2.PrometheusProvider{URL: "http://p"}}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := compatibilityFixture(t)
			tc.mutate(fj)
			if diff := cmp.Diff(tc.want, Warnings(fj)); diff != "" {
				t.Errorf("Warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWarningsOnEmptyInput(t *testing.T) {
	if got := Warnings(nil); got != nil {
		t.Errorf("Warnings(nil) = %q, want none", got)
	}
	if got := Warnings(&ihpav1beta2.FittingJob{}); len(got) != 1 {
		t.Errorf("Warnings(zero FittingJob) = %q, want only the missing destination", got)
	}
}
