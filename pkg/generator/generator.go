// Package generator turns a FittingJob into the ConfigMap and CronJob the
// controller keeps for it. Everything here is a pure function of the
// FittingJob: no client, no clock, no randomness, so that the same
// FittingJob always yields the same objects.
//
// Desired is the one entry point: the controller writes what it returns,
// the kubectl plugin prints it, the benchmark's floor sends it. The
// functions never alias the FittingJob they are given (it usually comes
// from an informer cache): every slice, map and pointer in a generated
// object is freshly allocated.
package generator

import (
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

const (
	// ConfigKey is the ConfigMap key that holds the fitting container's
	// configuration.
	ConfigKey = "config.json"
	// ConfigVolumeName names the config volume; users may not take it.
	ConfigVolumeName = "fittingjob-config"
	// ConfigMountPath is where the fitting container finds ConfigKey.
	ConfigMountPath = "/" + ConfigVolumeName
	// ContainerName is the name of the only container of the fitting Pod.
	ContainerName = "fittingjob"

	// configMapSuffix turns a FittingJob's name into its ConfigMap's.
	configMapSuffix = "-config"
)

// Children are the finished desired children of one FittingJob: exactly
// what the controller writes.
type Children struct {
	ConfigMap *corev1.ConfigMap
	// CronJob carries ihpav1beta2.SpecHashAnnotation.
	CronJob *batchv1.CronJob
}

// Desired returns fj's children, with the API's defaults applied to what fj
// leaves empty. When fj breaks a rule the generator depends on (the CRD's
// schema enforces most of them; a CRD installed without it does not), it
// returns every such error, with its field path, and no children.
func Desired(fj *ihpav1beta2.FittingJob) (*Children, field.ErrorList) {
	if fj == nil {
		fj = &ihpav1beta2.FittingJob{}
	}
	// Everything below is taken from this copy, so that nothing generated
	// shares memory with fj.
	fj = fj.DeepCopy()
	ihpav1beta2.SetDefaults_FittingJob(fj)
	errs := validate(fj)
	if len(errs) > 0 {
		return nil, errs
	}
	config, err := configJSON(fj)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	if errs := validateConfigSize(fj, config); len(errs) > 0 {
		return nil, errs
	}
	return &Children{
		ConfigMap: configMap(fj, config),
		CronJob:   withSpecHash(cronJob(fj)),
	}, nil
}

// ConfigMapName is the name of the FittingJob's config ConfigMap.
func ConfigMapName(fj *ihpav1beta2.FittingJob) string { return ConfigMapNameOf(fj.Name) }

// ConfigMapNameOf is the name of the config ConfigMap of the FittingJob
// named fittingJob.
func ConfigMapNameOf(fittingJob string) string { return fittingJob + configMapSuffix }

// CronJobName is the name of the FittingJob's CronJob.
func CronJobName(fj *ihpav1beta2.FittingJob) string { return CronJobNameOf(fj.Name) }

// CronJobNameOf is the name of the CronJob of the FittingJob named
// fittingJob.
func CronJobNameOf(fittingJob string) string { return fittingJob }

// OwnerOf is the name of the FittingJob, in child's namespace, that the
// ConfigMap or CronJob child belongs to: the one its controller reference
// names, or, when that reference is gone but the managed-by label is
// still there, the one its name belongs to (whose sync restores the
// reference). Anything controlled by another kind belongs to none.
func OwnerOf(child metav1.Object) (string, bool) {
	if ref := metav1.GetControllerOf(child); ref != nil {
		if ref.Kind != ihpav1beta2.Kind.Kind || !strings.HasPrefix(ref.APIVersion, ihpav1beta2.Kind.Group+"/") {
			return "", false
		}
		return ref.Name, true
	}
	if child.GetLabels()[ihpav1beta2.ManagedByLabel] != ihpav1beta2.ManagedByValue {
		return "", false
	}
	switch child.(type) {
	case *corev1.ConfigMap:
		return strings.CutSuffix(child.GetName(), configMapSuffix)
	case *batchv1.CronJob:
		return child.GetName(), true
	}
	return "", false
}

// OwnerReference is the controller reference both children carry, built
// from the known GroupVersionKind (typed clients return no TypeMeta).
func OwnerReference(fj *ihpav1beta2.FittingJob) metav1.OwnerReference {
	return *metav1.NewControllerRef(fj, ihpav1beta2.Kind)
}

// RunLabels label the Jobs and Pods of fj's runs: the managed-by label, so
// that the controller's label-selected informers see them, and the
// FittingJob's name, so that each maps back to its FittingJob.
func RunLabels(fj *ihpav1beta2.FittingJob) map[string]string {
	return map[string]string{
		ihpav1beta2.ManagedByLabel:      ihpav1beta2.ManagedByValue,
		ihpav1beta2.FittingJobNameLabel: fj.Name,
	}
}

// childMeta is the metadata both children share: their name, the
// FittingJob's namespace, the managed-by label and the controller reference.
// The TypeMeta of the children stays empty, as in objects read from a typed
// client or lister.
func childMeta(fj *ihpav1beta2.FittingJob, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:            name,
		Namespace:       fj.Namespace,
		Labels:          map[string]string{ihpav1beta2.ManagedByLabel: ihpav1beta2.ManagedByValue},
		OwnerReferences: []metav1.OwnerReference{OwnerReference(fj)},
	}
}
