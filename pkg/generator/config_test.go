package generator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// TestConfigGolden pins config.json byte for byte: its keys, their order and
// the encoding, which the fitting container reads and which the controller
// compares to decide whether to write. Run `go test -update` to rewrite the
// golden files after a deliberate change, and review the diff.
func TestConfigGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		fj     *ihpav1beta2.FittingJob
	}{
		{"config.golden.json", compatibilityFixture(t)},
		{"config-prometheus.golden.json", prometheusFixture()},
		{"config-keysfrom.golden.json", keysFromFixture(t)},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			cm := desired(t, tc.fj).ConfigMap
			if len(cm.Data) != 1 || len(cm.BinaryData) != 0 {
				t.Errorf("ConfigMap data has keys %v and binary data %v, want only %q", cm.Data, cm.BinaryData, ConfigKey)
			}
			got := cm.Data[ConfigKey]
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s differs from %s (-want +got):\n%s", ConfigKey, path, diff)
			}
		})
	}
}

// configKeys decodes the top level of the generated config.json.
func configKeys(t *testing.T, fj *ihpav1beta2.FittingJob) map[string]json.RawMessage {
	t.Helper()
	cm := desired(t, fj).ConfigMap
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(cm.Data[ConfigKey]), &keys); err != nil {
		t.Fatalf("%s is not a JSON object: %v", ConfigKey, err)
	}
	return keys
}

func datadogJob(t *testing.T, metric string) *ihpav1beta2.FittingJob {
	fj := compatibilityFixture(t)
	fj.Spec.Metric.Name = metric
	return fj
}

// keysFromFixture is the compatibility fixture with its Datadog keys in
// Secret datadog-keys, as manifests/samples/datadog/ has them.
func keysFromFixture(t testing.TB) *ihpav1beta2.FittingJob {
	fj := compatibilityFixture(t)
	fj.Spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{KeysFrom: []corev1.EnvFromSource{{
		SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "datadog-keys"}},
	}}}
	return fj
}

func prometheusJob(metric string) *ihpav1beta2.FittingJob {
	fj := prometheusFixture()
	fj.Spec.Metric.Name = metric
	return fj
}

func TestConfigTargetMetricsName(t *testing.T) {
	for _, tc := range []struct {
		name string
		fj   *ihpav1beta2.FittingJob
		want string
	}{
		{"datadog gets sum", datadogJob(t, "nginx.net.request_per_s"), `"sum:nginx.net.request_per_s"`},
		{"datadog avg kept", datadogJob(t, "avg:system.load.1"), `"avg:system.load.1"`},
		{"datadog sum kept", datadogJob(t, "sum:system.load.1"), `"sum:system.load.1"`},
		{"datadog min kept", datadogJob(t, "min:system.load.1"), `"min:system.load.1"`},
		{"datadog max kept", datadogJob(t, "max:system.load.1"), `"max:system.load.1"`},
		{"datadog prefix that is no aggregator", datadogJob(t, "summary:x"), `"sum:summary:x"`},
		{"datadog aggregator without colon", datadogJob(t, "avg.latency"), `"sum:avg.latency"`},
		{"prometheus unchanged", prometheusJob("http_requests_per_second"), `"http_requests_per_second"`},
		{"prometheus expression unchanged", prometheusJob("sum(rate(http_requests_total[5m]))"), `"sum(rate(http_requests_total[5m]))"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(configKeys(t, tc.fj)["targetMetricsName"]); got != tc.want {
				t.Errorf("targetMetricsName = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestConfigProviderHoldsOnlyTheActiveProvider(t *testing.T) {
	keysFrom := keysFromFixture(t)
	both := keysFromFixture(t)
	both.Spec.Provider.Datadog.APIKey, both.Spec.Provider.Datadog.AppKey = "xxx", "yyy"
	for _, tc := range []struct {
		name string
		fj   *ihpav1beta2.FittingJob
		want string
	}{
		{"datadog inline keys", datadogJob(t, "m"), `{"datadog":{"apikey":"xxx","appkey":"yyy"}}`},
		// keysFrom is never resolved: the keys stay out of the ConfigMap.
		{"datadog keysFrom", keysFrom, `{"datadog":{"apikey":"","appkey":""}}`},
		// keysFrom provides both keys; inline ones are ignored, and so
		// kept out of the ConfigMap too.
		{"datadog keysFrom and inline keys", both, `{"datadog":{"apikey":"","appkey":""}}`},
		{"prometheus", prometheusJob("m"), `{"prometheus":{"url":"http://prometheus.monitoring.svc:9090"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(configKeys(t, tc.fj)["provider"]); got != tc.want {
				t.Errorf("provider = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestConfigTargetTags(t *testing.T) {
	withSelector := func(s *metav1.LabelSelector) *ihpav1beta2.FittingJob {
		fj := prometheusFixture()
		fj.Spec.Metric.Selector = s
		return fj
	}
	for _, tc := range []struct {
		name string
		fj   *ihpav1beta2.FittingJob
		want string
	}{
		{"no selector", withSelector(nil), `{}`},
		{"selector without matchLabels", withSelector(&metav1.LabelSelector{}), `{}`},
		{"empty matchLabels", withSelector(&metav1.LabelSelector{MatchLabels: map[string]string{}}), `{}`},
		{"matchLabels, keys sorted", withSelector(&metav1.LabelSelector{MatchLabels: map[string]string{"b": "2", "a": "1"}}), `{"a":"1","b":"2"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(configKeys(t, tc.fj)["targetTags"]); got != tc.want {
				t.Errorf("targetTags = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestConfigChangePointDetection(t *testing.T) {
	with := func(c *ihpav1beta2.ChangePointDetectionConfig) *ihpav1beta2.FittingJob {
		fj := prometheusFixture()
		fj.Spec.ChangePointDetectionConfig = c
		return fj
	}
	for _, tc := range []struct {
		name string
		fj   *ihpav1beta2.FittingJob
		want string // "" means the key is absent
	}{
		{"absent: key omitted, detection off", with(nil), ""},
		{"empty: fully defaulted", with(&ihpav1beta2.ChangePointDetectionConfig{}),
			`{"percentageThreshold":50,"windowSize":100,"trajectoryRows":50,"trajectoryFeatures":5,"testRows":50,"testFeatures":5,"lag":288}`},
		{"partially set: the rest defaulted", with(&ihpav1beta2.ChangePointDetectionConfig{
			PercentageThreshold: ptrTo[int32](80), TestFeatures: ptrTo[int32](3), Lag: ptrTo[int32](144),
		}), `{"percentageThreshold":80,"windowSize":100,"trajectoryRows":50,"trajectoryFeatures":5,"testRows":50,"testFeatures":3,"lag":144}`},
		{"fully set", with(&ihpav1beta2.ChangePointDetectionConfig{
			PercentageThreshold: ptrTo[int32](1), WindowSize: ptrTo[int32](2), TrajectoryRows: ptrTo[int32](3),
			TrajectoryFeatures: ptrTo[int32](4), TestRows: ptrTo[int32](5), TestFeatures: ptrTo[int32](6), Lag: ptrTo[int32](7),
		}), `{"percentageThreshold":1,"windowSize":2,"trajectoryRows":3,"trajectoryFeatures":4,"testRows":5,"testFeatures":6,"lag":7}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, present := configKeys(t, tc.fj)["changePointDetection"]
			switch {
			case tc.want == "" && present:
				t.Errorf("changePointDetection = %s, want the key omitted", got)
			case tc.want != "" && string(got) != tc.want:
				t.Errorf("changePointDetection = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestConfigScalarKeys covers the keys copied from the spec, with the
// defaults a schema-less install needs.
func TestConfigScalarKeys(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*ihpav1beta2.FittingJob)
		key    string
		want   string // "" means the key is absent
	}{
		{"seasonality as given", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = ihpav1beta2.SeasonalityYearly }, "seasonality", `"yearly"`},
		{"seasonality defaults to auto", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = "" }, "seasonality", `"auto"`},
		{"dataConfigMapName as given", func(*ihpav1beta2.FittingJob) {}, "dataConfigMapName", `"ihpa-api-http-requests-per-second"`},
		{"dataConfigMapName empty without dataConfigMap", func(fj *ihpav1beta2.FittingJob) { fj.Spec.DataConfigMap = nil }, "dataConfigMapName", `""`},
		{"dataConfigMapNamespace is the FittingJob's", func(fj *ihpav1beta2.FittingJob) { fj.Namespace = "elsewhere" }, "dataConfigMapNamespace", `"elsewhere"`},
		{"customConfig as given", func(fj *ihpav1beta2.FittingJob) { fj.Spec.CustomConfig = `{"a":1}` }, "customConfig", `"{\"a\":1}"`},
		{"customConfig empty", func(fj *ihpav1beta2.FittingJob) { fj.Spec.CustomConfig = "" }, "customConfig", `""`},
		{"dumpPath omitted", func(*ihpav1beta2.FittingJob) {}, "dumpPath", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := prometheusFixture()
			tc.mutate(fj)
			got, present := configKeys(t, fj)[tc.key]
			switch {
			case tc.want == "" && present:
				t.Errorf("%s = %s, want the key omitted", tc.key, got)
			case tc.want != "" && string(got) != tc.want:
				t.Errorf("%s = %s, want %s", tc.key, got, tc.want)
			}
		})
	}
}

// TestConfigMapIsDeterministic guards the steady state: the controller
// compares config.json as a string, so map iteration order must not leak.
func TestConfigMapIsDeterministic(t *testing.T) {
	fj := compatibilityFixture(t)
	first := desired(t, fj).ConfigMap
	for range 50 {
		again := desired(t, fj).ConfigMap
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("ConfigMap changed between two calls (-first +again):\n%s", diff)
		}
	}
}
