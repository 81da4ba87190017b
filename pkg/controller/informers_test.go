package controller

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// TestCachedObjectsDropWhatIsNeverRead: managedFields go from every cached
// object, the last-applied annotation from FittingJobs only (a child's
// update starts from its cached copy and must keep others' annotations).
func TestCachedObjectsDropWhatIsNeverRead(t *testing.T) {
	meta := func() metav1.ObjectMeta {
		return metav1.ObjectMeta{
			Name:          "web",
			Annotations:   map[string]string{corev1.LastAppliedConfigAnnotation: "{...}", "team": "a"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
		}
	}
	fj, err := DropFittingJobFields(&ihpav1beta2.FittingJob{ObjectMeta: meta()})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := DropManagedFields(&corev1.ConfigMap{ObjectMeta: meta()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name            string
		obj             metav1.Object
		wantAnnotations int
	}{
		{"FittingJob", fj.(metav1.Object), 1},
		{"ConfigMap", cm.(metav1.Object), 2},
	} {
		if tc.obj.GetManagedFields() != nil {
			t.Errorf("%s: managedFields kept", tc.name)
		}
		if got := len(tc.obj.GetAnnotations()); got != tc.wantAnnotations || tc.obj.GetAnnotations()["team"] != "a" {
			t.Errorf("%s: annotations %v, want %d with team=a", tc.name, tc.obj.GetAnnotations(), tc.wantAnnotations)
		}
	}
}
