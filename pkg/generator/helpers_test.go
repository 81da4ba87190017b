package generator

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// desired is Desired(fj); the test fails when fj is invalid.
func desired(t testing.TB, fj *ihpav1beta2.FittingJob) *Children {
	t.Helper()
	children, errs := Desired(fj)
	if len(errs) > 0 {
		t.Fatalf("Desired: %v", errs.ToAggregate())
	}
	return children
}

// validationErrors are the errors Desired finds in fj.
func validationErrors(fj *ihpav1beta2.FittingJob) field.ErrorList {
	_, errs := Desired(fj)
	return errs
}
