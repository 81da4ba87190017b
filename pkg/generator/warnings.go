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
	switch d := fj.Spec.Provider.Datadog; {
	case d == nil || (d.APIKey == "" && d.AppKey == ""):
	case len(d.KeysFrom) > 0:
		warnings = append(warnings,
			"spec.provider.datadog.apikey and appkey are ignored: with keysFrom, both keys come from its "+
				APIKeyVariable+" and "+AppKeyVariable+". Remove them from the FittingJob, which is not a secret store.")
	default:
		warnings = append(warnings,
			"spec.provider.datadog.apikey and appkey are copied in clear into ConfigMap "+ConfigMapName(fj)+
				", and a ConfigMap is not a secret store: put the keys in a Secret and name it in spec.provider.datadog.keysFrom instead.")
	}
	return warnings
}
