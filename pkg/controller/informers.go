package controller

import (
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
