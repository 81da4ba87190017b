package controller

import (
	"encoding/json"
	"fmt"
	"hash/fnv"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// SpecHashAnnotation records, on the CronJob, a hash of the spec the
// controller generated for it.
//
// A CronJob read back from the API server carries many fields the generator
// never set (the server defaults them), so the live spec is compared with
// the desired one by covers: every value the generator set must be there.
// That alone would miss a field the FittingJob stopped setting (a removed
// nodeSelector, say): the live CronJob still covers the smaller desired
// spec. The hash catches exactly that, as the Deployment controller's
// pod-template-hash does for ReplicaSets.
const SpecHashAnnotation = "ihpa.ake.cyberagent.co.jp/spec-hash"

// withSpecHash annotates cj with the hash of its spec.
func withSpecHash(cj *batchv1.CronJob) (*batchv1.CronJob, error) {
	data, err := json.Marshal(cj.Spec)
	if err != nil {
		return nil, fmt.Errorf("hashing the CronJob spec: %w", err)
	}
	h := fnv.New64a()
	h.Write(data)
	if cj.Annotations == nil {
		cj.Annotations = map[string]string{}
	}
	cj.Annotations[SpecHashAnnotation] = fmt.Sprintf("%016x", h.Sum64())
	return cj, nil
}

// cronJobSpecInSync reports whether the live CronJob spec holds every value
// of the desired one, whatever the API server added by defaulting.
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
