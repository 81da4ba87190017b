package generator

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// TestSpecHashIsPinned: a change of what is hashed, or how, rewrites every
// CronJob in every cluster once on upgrade. Make it on purpose, and
// update the value here. (It is the value the controller wrote before the
// hash moved into the generator.)
func TestSpecHashIsPinned(t *testing.T) {
	fj := &ihpav1beta2.FittingJob{
		ObjectMeta: metav1.ObjectMeta{Name: "fj", Namespace: "ns", UID: "uid-1"},
		Spec: ihpav1beta2.FittingJobSpec{
			Metric:   ihpav1beta2.MetricIdentifier{Name: "m"},
			Provider: ihpav1beta2.Provider{Prometheus: &ihpav1beta2.PrometheusProvider{URL: "http://p"}},
		},
	}
	if got, want := desired(t, fj).CronJob.Annotations[ihpav1beta2.SpecHashAnnotation], "a0f6fe052bc13ed5"; got != want {
		t.Errorf("spec hash = %q, want %q", got, want)
	}
}

// TestSpecHashSeesRemovedFields: the reason for the hash. A CronJob that
// still has a field the FittingJob no longer sets covers the new desired
// spec; only the hash tells them apart.
func TestSpecHashSeesRemovedFields(t *testing.T) {
	fj := richFixture()
	with := desired(t, fj).CronJob.Annotations[ihpav1beta2.SpecHashAnnotation]
	fj.Spec.NodeSelector = nil
	if without := desired(t, fj).CronJob.Annotations[ihpav1beta2.SpecHashAnnotation]; without == with {
		t.Errorf("removing the nodeSelector left the spec hash at %q", with)
	}
}
