package generator

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// datadogAggregators are Datadog's space aggregators. A metric name that
// already starts with one of them, followed by a colon, is a complete
// Datadog query and gets no "sum:".
var datadogAggregators = []string{"avg:", "sum:", "min:", "max:"}

// fittingConfig is config.json as the fitting container reads it. Go
// encodes struct fields in declaration order, so this declaration is the
// key order of config.json: the original project's order, pinned by
// testdata/config.golden.json.
type fittingConfig struct {
	Provider providerConfig `json:"provider"`
	// DumpPath is part of the container's contract but no FittingJob field
	// sets it, so it is always omitted and the container uses its default.
	DumpPath               string            `json:"dumpPath,omitempty"`
	TargetMetricsName      string            `json:"targetMetricsName"`
	TargetTags             map[string]string `json:"targetTags"`
	Seasonality            string            `json:"seasonality"`
	DataConfigMapName      string            `json:"dataConfigMapName"`
	DataConfigMapNamespace string            `json:"dataConfigMapNamespace"`
	// ChangePointDetection is nil, and the key omitted, when the FittingJob
	// has no changePointDetectionConfig: the container then skips it.
	ChangePointDetection *changePointDetection `json:"changePointDetection,omitempty"`
	CustomConfig         string                `json:"customConfig"`
}

// providerConfig holds only the active provider.
type providerConfig struct {
	Datadog    *datadogConfig    `json:"datadog,omitempty"`
	Prometheus *prometheusConfig `json:"prometheus,omitempty"`
}

// datadogConfig always carries both keys, empty when the credentials come
// from keysFrom: the container looks both up unconditionally. With
// keysFrom, the fitting Pod's init container fills them in (keys.go),
// relying on config.json starting with them, blank.
type datadogConfig struct {
	APIKey string `json:"apikey"`
	AppKey string `json:"appkey"`
}

type prometheusConfig struct {
	URL string `json:"url"`
}

// changePointDetection has every parameter filled in: the container
// crashes on a missing one.
type changePointDetection struct {
	PercentageThreshold int32 `json:"percentageThreshold"`
	WindowSize          int32 `json:"windowSize"`
	TrajectoryRows      int32 `json:"trajectoryRows"`
	TrajectoryFeatures  int32 `json:"trajectoryFeatures"`
	TestRows            int32 `json:"testRows"`
	TestFeatures        int32 `json:"testFeatures"`
	Lag                 int32 `json:"lag"`
}

// configMap is the desired config ConfigMap, holding config.
func configMap(fj *ihpav1beta2.FittingJob, config []byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: childMeta(fj, ConfigMapName(fj)),
		Data:       map[string]string{ConfigKey: string(config)},
	}
}

// configJSON is the content of config.json for a defaulted FittingJob.
func configJSON(fj *ihpav1beta2.FittingJob) ([]byte, error) {
	data, err := json.Marshal(newFittingConfig(fj))
	if err != nil {
		return nil, fmt.Errorf("encoding %s for FittingJob %s/%s: %w", ConfigKey, fj.Namespace, fj.Name, err)
	}
	return data, nil
}

func newFittingConfig(fj *ihpav1beta2.FittingJob) *fittingConfig {
	spec := &fj.Spec
	cfg := &fittingConfig{
		Provider:               newProviderConfig(&spec.Provider),
		TargetMetricsName:      targetMetricsName(&spec.Provider, spec.Metric.Name),
		TargetTags:             targetTags(&spec.Metric),
		Seasonality:            string(spec.Seasonality),
		DataConfigMapNamespace: fj.Namespace,
		ChangePointDetection:   newChangePointDetection(spec.ChangePointDetectionConfig),
		CustomConfig:           spec.CustomConfig,
	}
	if spec.DataConfigMap != nil {
		cfg.DataConfigMapName = spec.DataConfigMap.Name
	}
	return cfg
}

// newProviderConfig keeps Datadog when both providers are set, as the
// original did; Validate refuses that case anyway. With keysFrom, the keys
// are keysFrom's, both of them: inline keys next to it are left out of the
// ConfigMap (a warning says they are ignored).
func newProviderConfig(p *ihpav1beta2.Provider) providerConfig {
	switch {
	case p.Datadog != nil && len(p.Datadog.KeysFrom) > 0:
		return providerConfig{Datadog: &datadogConfig{}}
	case p.Datadog != nil:
		return providerConfig{Datadog: &datadogConfig{APIKey: p.Datadog.APIKey, AppKey: p.Datadog.AppKey}}
	case p.Prometheus != nil:
		return providerConfig{Prometheus: &prometheusConfig{URL: p.Prometheus.URL}}
	default:
		return providerConfig{}
	}
}

// targetMetricsName adds the aggregator the active provider needs to fetch
// one series for the whole workload: Datadog sums over the tags unless the
// name already names an aggregator; Prometheus names are used as they are.
func targetMetricsName(p *ihpav1beta2.Provider, name string) string {
	if p.Datadog == nil {
		return name
	}
	for _, agg := range datadogAggregators {
		if strings.HasPrefix(name, agg) {
			return name
		}
	}
	return "sum:" + name
}

// targetTags is never nil, so that config.json says {} rather than null.
func targetTags(m *ihpav1beta2.MetricIdentifier) map[string]string {
	if m.Selector == nil || m.Selector.MatchLabels == nil {
		return map[string]string{}
	}
	return m.Selector.MatchLabels
}

// newChangePointDetection takes a defaulted configuration: the container
// crashes on a missing parameter.
func newChangePointDetection(c *ihpav1beta2.ChangePointDetectionConfig) *changePointDetection {
	if c == nil {
		return nil
	}
	return &changePointDetection{
		PercentageThreshold: *c.PercentageThreshold,
		WindowSize:          *c.WindowSize,
		TrajectoryRows:      *c.TrajectoryRows,
		TrajectoryFeatures:  *c.TrajectoryFeatures,
		TestRows:            *c.TestRows,
		TestFeatures:        *c.TestFeatures,
		Lag:                 *c.Lag,
	}
}
