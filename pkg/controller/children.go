package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

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

// childKind says which child a write, a failure or a reason is about.
type childKind struct {
	name string
	// foreign and rejected are its Ready reasons.
	foreign, rejected string
}

var (
	configMapKind = childKind{"ConfigMap", ihpav1beta2.ReasonConfigMapConflict, ihpav1beta2.ReasonConfigMapRejected}
	cronJobKind   = childKind{"CronJob", ihpav1beta2.ReasonCronJobConflict, ihpav1beta2.ReasonCronJobRejected}
)

// syncConfigMap makes the live ConfigMap match desired and returns it as
// the API server last returned it. The controller owns the ConfigMap's
// whole content.
func (c *Controller) syncConfigMap(ctx context.Context, fj *ihpav1beta2.FittingJob, desired *corev1.ConfigMap, written *writes) (*corev1.ConfigMap, error) {
	client := c.kubeClient.CoreV1().ConfigMaps(desired.Namespace)
	get := func() (*corev1.ConfigMap, error) { return client.Get(ctx, desired.Name, metav1.GetOptions{}) }

	live, err := lookUp(fj, configMapKind, get, func() (*corev1.ConfigMap, error) {
		return c.configMaps.ConfigMaps(desired.Namespace).Get(desired.Name)
	})
	if apierrors.IsNotFound(err) {
		created, createErr := client.Create(ctx, desired, metav1.CreateOptions{})
		if !apierrors.IsAlreadyExists(createErr) {
			return created, written.created(ctx, configMapKind, desired.Name, createErr)
		}
		// It exists but is not in the cache, which holds only labelled
		// children: someone removed the label, or it was never ours.
		live, err = get()
	}
	if err != nil {
		return nil, err
	}
	if !controls(fj, live) {
		return nil, &foreignObjectError{kind: configMapKind, namespace: live.Namespace, name: live.Name}
	}
	if metaInSync(desired, live) && maps.Equal(desired.Data, live.Data) && len(live.BinaryData) == 0 {
		return live, nil
	}
	changed := live.DeepCopy() // never mutate the cache
	copyMeta(desired, changed)
	changed.Data, changed.BinaryData = desired.Data, nil
	updated, err := client.Update(ctx, changed, metav1.UpdateOptions{})
	return updated, written.updated(ctx, configMapKind, desired.Name, err)
}

// syncCronJob makes the live CronJob match desired and returns it as the
// API server last returned it. The controller owns the values its
// generator sets; the API server's defaults are left alone (compare.go).
func (c *Controller) syncCronJob(ctx context.Context, fj *ihpav1beta2.FittingJob, desired *batchv1.CronJob, written *writes) (*batchv1.CronJob, error) {
	client := c.kubeClient.BatchV1().CronJobs(desired.Namespace)
	get := func() (*batchv1.CronJob, error) { return client.Get(ctx, desired.Name, metav1.GetOptions{}) }

	live, err := lookUp(fj, cronJobKind, get, func() (*batchv1.CronJob, error) {
		return c.cronJobs.CronJobs(desired.Namespace).Get(desired.Name)
	})
	if apierrors.IsNotFound(err) {
		created, createErr := client.Create(ctx, desired, metav1.CreateOptions{})
		if !apierrors.IsAlreadyExists(createErr) {
			return created, written.created(ctx, cronJobKind, desired.Name, createErr)
		}
		live, err = get()
	}
	if err != nil {
		return nil, err
	}
	if !controls(fj, live) {
		return nil, &foreignObjectError{kind: cronJobKind, namespace: live.Namespace, name: live.Name}
	}
	if metaInSync(desired, live) && cronJobSpecInSync(desired, live) {
		return live, nil
	}
	changed := live.DeepCopy()
	copyMeta(desired, changed)
	changed.Spec = desired.Spec
	updated, err := client.Update(ctx, changed, metav1.UpdateOptions{})
	return updated, written.updated(ctx, cronJobKind, desired.Name, err)
}

// lookUp reads a child from the cache. When the FittingJob's status says
// a foreign object holds the name, the cache (which holds only labelled
// children) cannot see it: it is read from the API server instead of
// sending a create bound to fail at every resync.
func lookUp[T any](fj *ihpav1beta2.FittingJob, kind childKind, get, cached func() (T, error)) (T, error) {
	live, err := cached()
	if apierrors.IsNotFound(err) {
		if ready := meta.FindStatusCondition(fj.Status.Conditions, ihpav1beta2.ConditionReady); ready != nil && ready.Reason == kind.foreign {
			return get()
		}
	}
	return live, err
}

// childFailure classifies an error from syncing a child of kind.
func childFailure(kind childKind, err error) outcome {
	var foreign *foreignObjectError
	switch {
	case errors.As(err, &foreign):
		return outcome{reason: kind.foreign, message: foreign.Error()}
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		// The API server refused what the spec asks for (an unknown time
		// zone, say): only a change of the FittingJob can fix it.
		return outcome{reason: kind.rejected, message: fmt.Sprintf("the API server refused the %s: %v", kind.name, err)}
	default:
		return outcome{reason: ihpav1beta2.ReasonAPIError, message: fmt.Sprintf("writing the %s: %v", kind.name, err), retry: err}
	}
}

// foreignObjectError says that an object the FittingJob does not control
// holds a child's name. Ready reports it as <Kind>Conflict; it is not a
// write conflict (HTTP 409), which sync retries.
type foreignObjectError struct {
	kind            childKind
	namespace, name string
}

func (e *foreignObjectError) Error() string {
	return fmt.Sprintf("%s %s/%s already exists and is not controlled by this FittingJob; "+
		"delete or rename it, or rename the FittingJob", e.kind.name, e.namespace, e.name)
}

// writes are the child writes of one sync, for its event (recordRepair).
type writes struct {
	creates, updates []string
}

// created and updated count and log a successful write, and pass err
// through.
func (w *writes) created(ctx context.Context, kind childKind, name string, err error) error {
	if err == nil {
		w.creates = append(w.creates, count(ctx, "create", kind, name))
	}
	return err
}

func (w *writes) updated(ctx context.Context, kind childKind, name string, err error) error {
	if err == nil {
		w.updates = append(w.updates, count(ctx, "update", kind, name))
	}
	return err
}

// count counts and logs one write, and names the child for the event.
func count(ctx context.Context, verb string, kind childKind, name string) string {
	metrics.ChildWrites.WithLabelValues(kind.name, verb).Inc()
	klog.FromContext(ctx).V(1).Info("Wrote child", "verb", verb, "kind", kind.name, "name", name)
	return kind.name + " " + name
}

// recordRepair records the child writes of a sync as one Normal event when
// they repaired drift: the FittingJob's spec is the one its status has
// already seen in sync, so a child was changed or deleted by someone else
// and has been put back. Writes that carry out a new spec (the children of
// a new FittingJob, an edit) are what the user asked for: the Ready
// condition and observedGeneration record them, with no write of their
// own. Events thus never add a write to what a user's change costs, and
// stand out when something fights the controller.
func (c *Controller) recordRepair(fj *ihpav1beta2.FittingJob, w *writes) {
	if fj.Generation != fj.Status.ObservedGeneration {
		return
	}
	var parts []string
	if len(w.creates) > 0 {
		parts = append(parts, "recreated "+strings.Join(w.creates, " and "))
	}
	if len(w.updates) > 0 {
		parts = append(parts, "reverted "+strings.Join(w.updates, " and "))
	}
	if len(parts) == 0 {
		return
	}
	reason := ihpav1beta2.EventReasonUpdated
	if len(w.creates) > 0 {
		reason = ihpav1beta2.EventReasonCreated
	}
	message := strings.Join(parts, "; ") + " to match the FittingJob"
	c.recorder.Event(fj, corev1.EventTypeNormal, reason, strings.ToUpper(message[:1])+message[1:])
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
