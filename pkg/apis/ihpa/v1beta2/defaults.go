package v1beta2

import batchv1 "k8s.io/api/batch/v1"

// The defaults of the FittingJob API. The API server applies them from the
// CRD's schema (the +kubebuilder:default markers in types.go, which must
// say the same: TestDefaultsMatchTheCRD checks both ways), and
// SetDefaults_FittingJob applies them where no API server has: to a
// FittingJob read from a file, or stored while the CRD had no schema.
const (
	DefaultSeasonality       = SeasonalityAuto
	DefaultExecuteOn   int32 = 4
	// DefaultImage is the fitting container of the original project.
	DefaultImage             = "cyberagentoss/intelligent-hpa-fittingjob:latest"
	DefaultConcurrencyPolicy = batchv1.ForbidConcurrent

	DefaultPercentageThreshold int32 = 50
	DefaultWindowSize          int32 = 100
	DefaultTrajectoryRows      int32 = 50
	DefaultTrajectoryFeatures  int32 = 5
	DefaultTestRows            int32 = 50
	DefaultTestFeatures        int32 = 5
	// DefaultLag is one day of five-minute points.
	DefaultLag int32 = 288
)

// SetDefaults_FittingJob fills in every field of fj that the CRD defaults
// and fj leaves empty. (The underscore is Kubernetes' convention for
// defaulting functions.)
func SetDefaults_FittingJob(fj *FittingJob) {
	spec := &fj.Spec
	if spec.Seasonality == "" {
		spec.Seasonality = DefaultSeasonality
	}
	setDefault(&spec.ExecuteOn, DefaultExecuteOn)
	if spec.Image == "" {
		spec.Image = DefaultImage
	}
	if spec.ConcurrencyPolicy == "" {
		spec.ConcurrencyPolicy = DefaultConcurrencyPolicy
	}
	if c := spec.ChangePointDetectionConfig; c != nil {
		setDefault(&c.PercentageThreshold, DefaultPercentageThreshold)
		setDefault(&c.WindowSize, DefaultWindowSize)
		setDefault(&c.TrajectoryRows, DefaultTrajectoryRows)
		setDefault(&c.TrajectoryFeatures, DefaultTrajectoryFeatures)
		setDefault(&c.TestRows, DefaultTestRows)
		setDefault(&c.TestFeatures, DefaultTestFeatures)
		setDefault(&c.Lag, DefaultLag)
	}
}

func setDefault(field **int32, value int32) {
	if *field == nil {
		*field = &value
	}
}
