package main

import (
	batchv1 "k8s.io/api/batch/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// applyDefaults fills in the defaults the API server would give fj when
// storing it, so that render shows the FittingJob the controller would see.
// It mirrors the CRD's schema (the +kubebuilder:default markers of
// types.go, compiled into manifests/crd/), which render has no API server
// to apply; defaults_test.go fails when the two drift apart.
//
// It covers the FittingJob's own fields only. The schema also carries the
// defaults of embedded Kubernetes types (optional: false in an env
// secretKeyRef, a volume's rbd pool, ...), which the API server adds inside
// those values; render leaves them out.
func applyDefaults(fj *ihpav1beta2.FittingJob) {
	spec := &fj.Spec
	if spec.Seasonality == "" {
		spec.Seasonality = ihpav1beta2.SeasonalityAuto
	}
	defaultInt32(&spec.ExecuteOn, 4)
	if spec.ConcurrencyPolicy == "" {
		spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
	}
	// Only a present changePointDetectionConfig is defaulted: its absence
	// turns change-point detection off.
	if c := spec.ChangePointDetectionConfig; c != nil {
		defaultInt32(&c.PercentageThreshold, 50)
		defaultInt32(&c.WindowSize, 100)
		defaultInt32(&c.TrajectoryRows, 50)
		defaultInt32(&c.TrajectoryFeatures, 5)
		defaultInt32(&c.TestRows, 50)
		defaultInt32(&c.TestFeatures, 5)
		defaultInt32(&c.Lag, 288)
	}
}

func defaultInt32(p **int32, value int32) {
	if *p == nil {
		*p = &value
	}
}
