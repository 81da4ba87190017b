package generator

import (
	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// Warnings are advice about a valid FittingJob (inline credentials, no
// forecast destination), one sentence each, for Warning events.
func Warnings(fj *ihpav1beta2.FittingJob) []string {
	if fj == nil {
		return nil
	}
	var warnings []string
	if fj.Spec.DataConfigMap == nil || fj.Spec.DataConfigMap.Name == "" {
		warnings = append(warnings,
			"spec.dataConfigMap is not set, so the forecast has no destination: name the ConfigMap the fitting container should write it to.")
	}
	if d := fj.Spec.Provider.Datadog; d != nil && (d.APIKey != "" || d.AppKey != "") {
		warnings = append(warnings,
			"spec.provider.datadog.apikey and appkey are copied in clear into ConfigMap "+ConfigMapName(fj)+
				", and a ConfigMap is not a secret store: put the keys in a Secret and name it in spec.provider.datadog.keysFrom instead.")
	}
	return warnings
}
