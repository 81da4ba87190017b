package main

// Stand-ins for the contract's generator.Desired, generator.OwnerOf and
// the v1beta2 vocabulary until they are on main; deleted at the merge.

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/controller"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

const (
	conditionReady     = controller.ConditionReady
	reasonSynced       = controller.ReasonSynced
	specHashAnnotation = controller.SpecHashAnnotation
)

type children struct {
	ConfigMap *corev1.ConfigMap
	CronJob   *batchv1.CronJob
}

func generatorDesired(fj *ihpav1beta2.FittingJob) (*children, field.ErrorList) {
	if errs := generator.Validate(fj); len(errs) > 0 {
		return nil, errs
	}
	cm, err := generator.ConfigMap(fj)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(nil, err)}
	}
	cj := generator.CronJob(fj)
	data, _ := json.Marshal(cj.Spec)
	h := fnv.New64a()
	h.Write(data)
	if cj.Annotations == nil {
		cj.Annotations = map[string]string{}
	}
	cj.Annotations[specHashAnnotation] = fmt.Sprintf("%016x", h.Sum64())
	return &children{cm, cj}, nil
}

func generatorOwnerOf(child metav1.Object) (string, bool) {
	if _, ok := child.(*corev1.ConfigMap); ok {
		return strings.CutSuffix(child.GetName(), "-config")
	}
	return child.GetName(), true
}
