package controller

import (
	"context"
	"maps"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// childKind is how sync reads, writes and compares one kind of child, so
// that the ConfigMap and the CronJob go through the same steps.
type childKind[T metav1.Object] struct {
	name string

	cached func(namespace, name string) (T, error)
	get    func(ctx context.Context, namespace, name string) (T, error)
	create func(ctx context.Context, obj T) (T, error)
	update func(ctx context.Context, obj T) (T, error)

	// specInSync reports whether live holds what the controller owns of
	// desired's content; copySpec puts it there.
	specInSync func(desired, live T) bool
	copySpec   func(desired, live T)
	deepCopy   func(obj T) T
}

// syncChild makes the live child match desired and returns it as the API
// server last returned it. It creates a missing child and updates one that
// differs in what the controller owns; an object of that name that the
// FittingJob does not control is a conflictError and is left untouched.
func syncChild[T metav1.Object](ctx context.Context, c *Controller, fj *ihpav1beta2.FittingJob, kind childKind[T], desired T) (T, error) {
	var zero T
	namespace, name := desired.GetNamespace(), desired.GetName()

	live, err := kind.cached(namespace, name)
	if apierrors.IsNotFound(err) && reportedConflict(fj, kind.name) {
		// Most likely the foreign object is still there: read it rather
		// than send a create bound to fail at every resync.
		live, err = kind.get(ctx, namespace, name)
	}
	switch {
	case apierrors.IsNotFound(err):
		created, err := kind.create(ctx, desired)
		if err == nil {
			metrics.ChildWrites.WithLabelValues(kind.name, "create").Inc()
			klog.FromContext(ctx).V(1).Info("Created child", "kind", kind.name, "name", name)
			c.recorder.Eventf(fj, corev1.EventTypeNormal, ReasonCreated, "Created %s %s", kind.name, name)
			return created, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return zero, err
		}
		// It exists but is not in the cache, which holds only labelled
		// children: someone removed the label, or it was never ours.
		if live, err = kind.get(ctx, namespace, name); err != nil {
			return zero, err
		}
	case err != nil:
		return zero, err
	}

	if !controls(fj, live) {
		return zero, &conflictError{kind: kind.name, namespace: namespace, name: name}
	}
	if metaInSync(desired, live) && kind.specInSync(desired, live) {
		return live, nil
	}

	// Never mutate what came from the cache.
	changed := kind.deepCopy(live)
	copyMeta(desired, changed)
	kind.copySpec(desired, changed)
	updated, err := kind.update(ctx, changed)
	if err != nil {
		return zero, err
	}
	metrics.ChildWrites.WithLabelValues(kind.name, "update").Inc()
	klog.FromContext(ctx).V(1).Info("Updated child", "kind", kind.name, "name", name)
	c.recorder.Eventf(fj, corev1.EventTypeNormal, ReasonUpdated, "Updated %s %s", kind.name, name)
	return updated, nil
}

// reportedConflict reports whether fj's status says that a foreign object
// holds the name of its child of kind.
func reportedConflict(fj *ihpav1beta2.FittingJob, kind string) bool {
	ready := meta.FindStatusCondition(fj.Status.Conditions, ConditionReady)
	return ready != nil && ready.Reason == kind+"Conflict"
}

// controls reports whether the FittingJob may write child. It does when
// child's controller reference names it (by UID), and also when child has no
// controller at all but carries the managed-by label: the controller made it
// and somebody removed the reference, which sync then restores. An object
// without the label, or controlled by anything else, is never touched.
func controls(fj *ihpav1beta2.FittingJob, child metav1.Object) bool {
	if ref := metav1.GetControllerOf(child); ref != nil {
		return ref.UID == fj.UID
	}
	return child.GetLabels()[generator.ManagedByLabel] == generator.ManagedByValue
}

// metaInSync reports whether live carries desired's labels, annotations and
// controller reference. Labels and annotations that others add are theirs.
func metaInSync(desired, live metav1.Object) bool {
	return hasAll(live.GetLabels(), desired.GetLabels()) &&
		hasAll(live.GetAnnotations(), desired.GetAnnotations()) &&
		sameControllerRef(desired, live)
}

func hasAll(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func sameControllerRef(desired, live metav1.Object) bool {
	want, got := metav1.GetControllerOf(desired), metav1.GetControllerOf(live)
	return want != nil && got != nil &&
		got.APIVersion == want.APIVersion && got.Kind == want.Kind &&
		got.Name == want.Name && got.UID == want.UID &&
		ptrEqual(got.BlockOwnerDeletion, want.BlockOwnerDeletion)
}

func ptrEqual[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// copyMeta puts desired's labels, annotations and controller reference on
// live, keeping everything else live has (other owners included).
func copyMeta(desired, live metav1.Object) {
	labels := maps.Clone(live.GetLabels())
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, desired.GetLabels())
	live.SetLabels(labels)

	if len(desired.GetAnnotations()) > 0 {
		annotations := maps.Clone(live.GetAnnotations())
		if annotations == nil {
			annotations = map[string]string{}
		}
		maps.Copy(annotations, desired.GetAnnotations())
		live.SetAnnotations(annotations)
	}

	refs := []metav1.OwnerReference{*metav1.GetControllerOf(desired)}
	for _, ref := range live.GetOwnerReferences() {
		if ref.Controller == nil || !*ref.Controller {
			refs = append(refs, ref)
		}
	}
	live.SetOwnerReferences(refs)
}

func (c *Controller) configMapKind() childKind[*corev1.ConfigMap] {
	return childKind[*corev1.ConfigMap]{
		name: "ConfigMap",
		cached: func(namespace, name string) (*corev1.ConfigMap, error) {
			return c.configMaps.ConfigMaps(namespace).Get(name)
		},
		get: func(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error) {
			return c.kubeClient.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
		},
		create: func(ctx context.Context, cm *corev1.ConfigMap) (*corev1.ConfigMap, error) {
			return c.kubeClient.CoreV1().ConfigMaps(cm.Namespace).Create(ctx, cm, metav1.CreateOptions{})
		},
		update: func(ctx context.Context, cm *corev1.ConfigMap) (*corev1.ConfigMap, error) {
			return c.kubeClient.CoreV1().ConfigMaps(cm.Namespace).Update(ctx, cm, metav1.UpdateOptions{})
		},
		// The controller owns the whole content of its ConfigMap.
		specInSync: func(desired, live *corev1.ConfigMap) bool {
			return maps.Equal(desired.Data, live.Data) && len(live.BinaryData) == 0
		},
		copySpec: func(desired, live *corev1.ConfigMap) {
			live.Data = desired.Data
			live.BinaryData = nil
		},
		deepCopy: (*corev1.ConfigMap).DeepCopy,
	}
}

func (c *Controller) cronJobKind() childKind[*batchv1.CronJob] {
	return childKind[*batchv1.CronJob]{
		name: "CronJob",
		cached: func(namespace, name string) (*batchv1.CronJob, error) {
			return c.cronJobs.CronJobs(namespace).Get(name)
		},
		get: func(ctx context.Context, namespace, name string) (*batchv1.CronJob, error) {
			return c.kubeClient.BatchV1().CronJobs(namespace).Get(ctx, name, metav1.GetOptions{})
		},
		create: func(ctx context.Context, cj *batchv1.CronJob) (*batchv1.CronJob, error) {
			return c.kubeClient.BatchV1().CronJobs(cj.Namespace).Create(ctx, cj, metav1.CreateOptions{})
		},
		update: func(ctx context.Context, cj *batchv1.CronJob) (*batchv1.CronJob, error) {
			return c.kubeClient.BatchV1().CronJobs(cj.Namespace).Update(ctx, cj, metav1.UpdateOptions{})
		},
		specInSync: cronJobSpecInSync,
		copySpec: func(desired, live *batchv1.CronJob) {
			live.Spec = desired.Spec
		},
		deepCopy: (*batchv1.CronJob).DeepCopy,
	}
}
