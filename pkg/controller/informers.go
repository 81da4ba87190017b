package controller

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// ManagedBySelector restricts a ConfigMap or CronJob informer to the
// controller's own children (informers.WithTweakListOptions).
func ManagedBySelector(options *metav1.ListOptions) {
	options.LabelSelector = labels.Set{generator.ManagedByLabel: generator.ManagedByValue}.String()
}

// DropManagedFields drops metadata.managedFields from objects before they
// are cached (informers.WithTransform): the controller never reads them,
// and they are often the largest part of an object.
func DropManagedFields(obj any) (any, error) {
	if accessor, ok := obj.(metav1.ObjectMetaAccessor); ok {
		accessor.GetObjectMeta().SetManagedFields(nil)
	}
	return obj, nil
}

// DropFittingJobFields is DropManagedFields for FittingJobs, which also
// drops the copy of the whole object that kubectl apply keeps in an
// annotation: the controller never reads either, and status writes keep
// the stored metadata whatever the object sent carries. (Children keep the
// annotation in the cache: their updates start from the cached copy.)
func DropFittingJobFields(obj any) (any, error) {
	if accessor, ok := obj.(metav1.ObjectMetaAccessor); ok {
		delete(accessor.GetObjectMeta().GetAnnotations(), corev1.LastAppliedConfigAnnotation)
	}
	return DropManagedFields(obj)
}
