package controller

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// verifiedChildren is what a sync last found or made in sync: the
// FittingJob's UID and generation (its spec, which is all the children are
// made from), and the resourceVersions of its ConfigMap and CronJob.
//
// While the cache holds exactly those versions and the FittingJob's spec
// has not changed, the children are still in sync: anything that changes a
// child changes its resourceVersion, and a child that loses the
// managed-by label leaves the cache. A resync then costs three cache reads
// instead of generating, hashing and comparing both children again.
type verifiedChildren struct {
	uid                types.UID
	generation         int64
	configMap, cronJob string
}

// verifiedSet holds the verifiedChildren of every FittingJob whose
// children were last found in sync. It is a shortcut that checks itself
// against the informer cache (stillInSync), never a reason to skip a
// sync: every sync still reads the FittingJob's runs and computes its
// status.
type verifiedSet struct {
	keyed[verifiedChildren]
}

func (s *verifiedSet) remember(fj *ihpav1beta2.FittingJob, configMap *corev1.ConfigMap, cronJob *batchv1.CronJob) {
	if configMap.ResourceVersion == "" || cronJob.ResourceVersion == "" {
		// Unknown versions (a fake client's) prove nothing.
		return
	}
	s.set(cache.MetaObjectToName(fj), verifiedChildren{
		uid:        fj.UID,
		generation: fj.Generation,
		configMap:  configMap.ResourceVersion,
		cronJob:    cronJob.ResourceVersion,
	})
}

// stillInSync reports whether fj's cached children, as seen, are the
// versions last verified in sync with fj's spec. Otherwise it forgets
// them: the sync about to run verifies again.
func (c *Controller) stillInSync(fj *ihpav1beta2.FittingJob, seen *observed) bool {
	key := cache.MetaObjectToName(fj)
	verified, ok := c.verified.get(key)
	if !ok {
		return false
	}
	if verified.uid == fj.UID && verified.generation == fj.Generation &&
		seen.configMap != nil && seen.cronJob != nil &&
		seen.configMap.ResourceVersion == verified.configMap && seen.cronJob.ResourceVersion == verified.cronJob {
		return true
	}
	c.verified.forget(key)
	return false
}

// isVerifiedVersion reports whether child, a ConfigMap or CronJob, is the
// version last verified in sync for its FittingJob: typically the one the
// controller has just written itself.
func (s *verifiedSet) isVerifiedVersion(child any) bool {
	obj, ok := child.(metav1.Object)
	if !ok || obj.GetResourceVersion() == "" {
		return false
	}
	name, ok := generator.OwnerOf(obj)
	if !ok {
		return false
	}
	verified, ok := s.get(cache.ObjectName{Namespace: obj.GetNamespace(), Name: name})
	switch child.(type) {
	case *corev1.ConfigMap:
		return ok && obj.GetResourceVersion() == verified.configMap
	case *batchv1.CronJob:
		return ok && obj.GetResourceVersion() == verified.cronJob
	}
	return false
}
