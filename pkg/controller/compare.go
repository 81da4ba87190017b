package controller

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// cronJobSpecInSync reports whether the live CronJob spec holds every value
// of the desired one, whatever the API server added by defaulting, and
// whether it is still the spec the desired one was made from: a live
// CronJob that covers a smaller desired spec (a field the FittingJob no
// longer sets) carries the old spec's hash (ihpav1beta2.SpecHashAnnotation,
// compared with the other annotations by metaInSync).
func cronJobSpecInSync(desired, live *batchv1.CronJob) bool {
	want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&desired.Spec)
	if err != nil {
		return false
	}
	got, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&live.Spec)
	if err != nil {
		return false
	}
	return covers(want, got)
}

// covers reports whether got holds every value set in want: maps may have
// more keys than want (fields defaulted by the API server), lists must have
// the same length and cover element by element, and scalars must be equal.
// An absent or empty value in want covers anything.
//
// apimachinery's equality.Semantic.DeepDerivative is close but is not used:
// it takes a live list longer than the desired one as in sync, so an
// environment variable, volume or container another writer appended would
// never be removed. Working on the unstructured form also means a field the
// desired spec leaves at its zero value (omitted there) covers whatever the
// API server defaulted it to.
func covers(want, got any) bool {
	switch want := want.(type) {
	case nil:
		return true
	case map[string]any:
		got, _ := got.(map[string]any)
		for key, value := range want {
			if !covers(value, got[key]) {
				return false
			}
		}
		return true
	case []any:
		got, _ := got.([]any)
		if len(got) != len(want) {
			return false
		}
		for i := range want {
			if !covers(want[i], got[i]) {
				return false
			}
		}
		return true
	default:
		return want == got
	}
}
