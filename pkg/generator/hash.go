package generator

import (
	"encoding/json"
	"fmt"
	"hash/fnv"

	batchv1 "k8s.io/api/batch/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// withSpecHash annotates cj, which has no annotations yet, with the hash of
// its spec (ihpav1beta2.SpecHashAnnotation).
//
// A CronJob read back from the API server carries many fields the generator
// never set (the server defaults them), so the controller compares the
// live spec with the desired one by covering: every value the generator set
// must be there. That alone would miss a field the FittingJob stopped
// setting (a removed nodeSelector, say): the live CronJob still covers the
// smaller desired spec. The hash catches exactly that, as the Deployment
// controller's pod-template-hash does for ReplicaSets. Changing what is
// hashed rewrites every CronJob once, so the value is pinned by a test.
func withSpecHash(cj *batchv1.CronJob) *batchv1.CronJob {
	cj.Annotations = map[string]string{ihpav1beta2.SpecHashAnnotation: specHash(&cj.Spec)}
	return cj
}

// specHash is the FNV-1a hash of spec's JSON encoding, in hex.
func specHash(spec *batchv1.CronJobSpec) string {
	// A CronJobSpec is plain data: encoding it cannot fail.
	data, _ := json.Marshal(spec)
	h := fnv.New64a()
	h.Write(data)
	return fmt.Sprintf("%016x", h.Sum64())
}
