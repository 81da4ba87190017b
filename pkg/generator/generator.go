// Package generator turns a FittingJob into the ConfigMap and CronJob the
// controller keeps for it. Everything here is a pure function of the
// FittingJob: no client, no clock, no randomness, so that the same
// FittingJob always yields the same objects.
//
// The functions never alias the FittingJob they are given (it usually
// comes from an informer cache): every slice, map and pointer in a
// generated object is freshly allocated.
package generator

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	// DefaultImage runs when the FittingJob names no image.
	DefaultImage = "cyberagentoss/intelligent-hpa-fittingjob:latest"

	// ManagedByLabel marks the children, so that the controller's informers
	// watch only its own ConfigMaps and CronJobs.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of ManagedByLabel on every child.
	ManagedByValue = "fittingjob-controller"
)

// ConfigMapName is the name of the FittingJob's config ConfigMap.
func ConfigMapName(fj *ihpav1beta2.FittingJob) string { return fj.Name + "-config" }

// CronJobName is the name of the FittingJob's CronJob.
func CronJobName(fj *ihpav1beta2.FittingJob) string { return fj.Name }

// OwnerReference is the controller reference both children carry, built
// from the known GroupVersionKind (typed clients return no TypeMeta).
func OwnerReference(fj *ihpav1beta2.FittingJob) metav1.OwnerReference {
	return *metav1.NewControllerRef(fj, ihpav1beta2.SchemeGroupVersion.WithKind("FittingJob"))
}

// RunLabels label the Jobs and Pods of fj's runs: the managed-by label, so
// that the controller's label-selected informers see them, and the
// FittingJob's name, so that each maps back to its FittingJob.
func RunLabels(fj *ihpav1beta2.FittingJob) map[string]string {
	return map[string]string{
		ManagedByLabel:                  ManagedByValue,
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
		Labels:          map[string]string{ManagedByLabel: ManagedByValue},
		OwnerReferences: []metav1.OwnerReference{OwnerReference(fj)},
	}
}
