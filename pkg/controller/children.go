package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// childrenResult is what syncing a FittingJob's children found and did.
type childrenResult struct {
	// reason and message are the Ready condition's.
	reason, message string
	// retry is set when a retry with backoff may help. Invalid input and
	// foreign objects wait for a change instead.
	retry error
	// cronJob is the CronJob in force: as the API server last returned
	// it, or as cached when it was already in sync; nil when the sync
	// stopped before it.
	cronJob *batchv1.CronJob
	// desired are the generator's children; nil when the spec is invalid,
	// or when the children were still the versions verified in sync
	// (then they were not generated again).
	desired *generator.Children
	// writes are the child writes the sync made, in order.
	writes []childWrite
	// warnings are the generator's advice about the spec.
	warnings []string
}

// childWrite is one successful write of a child.
type childWrite struct {
	kind       childKind
	verb, name string
}

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

// syncChildren makes fj's ConfigMap, then the CronJob that mounts it,
// match what the generator makes of fj. Children still the versions
// verified in sync with fj's spec are not generated or compared again
// (verified.go).
func (c *Controller) syncChildren(ctx context.Context, fj *ihpav1beta2.FittingJob, seen *observed) childrenResult {
	if c.stillInSync(fj, seen) {
		return inSync(fj, seen.cronJob)
	}
	desired, errs := generator.Desired(fj)
	if len(errs) > 0 {
		return childrenResult{reason: ihpav1beta2.ReasonInvalidSpec, message: errs.ToAggregate().Error()}
	}
	result := childrenResult{desired: desired, warnings: generator.Warnings(fj)}

	configMap, err := syncChild(ctx, fj, c.configMapAPI(fj, seen), desired.ConfigMap, &result.writes)
	if err != nil {
		return result.failed(configMapKind, err)
	}
	cronJob, err := syncChild(ctx, fj, c.cronJobAPI(fj, seen), desired.CronJob, &result.writes)
	if err != nil {
		return result.failed(cronJobKind, err)
	}
	c.verified.remember(fj, configMap, cronJob)
	synced := inSync(fj, cronJob)
	synced.desired, synced.writes, synced.warnings = result.desired, result.writes, result.warnings
	return synced
}

func inSync(fj *ihpav1beta2.FittingJob, cronJob *batchv1.CronJob) childrenResult {
	return childrenResult{
		reason:  ihpav1beta2.ReasonSynced,
		message: fmt.Sprintf("ConfigMap %s and CronJob %s are in sync", generator.ConfigMapName(fj), cronJob.Name),
		cronJob: cronJob,
	}
}

// failed classifies an error from syncing a child of kind.
func (r childrenResult) failed(kind childKind, err error) childrenResult {
	var foreign *foreignObjectError
	switch {
	case errors.As(err, &foreign):
		r.reason, r.message = kind.foreign, foreign.Error()
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		// The API server refused what the spec asks for (an unknown time
		// zone, say): only a change of the FittingJob can fix it.
		r.reason, r.message = kind.rejected, fmt.Sprintf("the API server refused the %s: %v", kind.name, err)
	default:
		r.reason, r.message, r.retry = ihpav1beta2.ReasonAPIError, fmt.Sprintf("writing the %s: %v", kind.name, err), err
	}
	return r
}

// child is a ConfigMap or a CronJob.
type child interface {
	comparable
	metav1.Object
	runtime.Object
}

// childAPI is what syncChild needs of one kind of child: the cached
// object, the API server's, and the part of the object the controller
// owns beyond its metadata.
type childAPI[T child] struct {
	kind   childKind
	cached T
	get    func(context.Context) (T, error)
	create func(context.Context, T) (T, error)
	update func(context.Context, T) (T, error)
	// contentInSync reports whether live holds desired's content, and
	// setContent puts it there.
	contentInSync func(desired, live T) bool
	setContent    func(desired, live T)
}

// syncChild makes the live child match desired and returns it as the API
// server last returned it (or as cached, when it already matched),
// appending to writes what it wrote. An object that fj does not control
// is never written: that is a foreignObjectError.
func syncChild[T child](ctx context.Context, fj *ihpav1beta2.FittingJob, api childAPI[T], desired T, writes *[]childWrite) (T, error) {
	var none T
	live, err := api.cached, error(nil)
	if live == none {
		// The cache holds only labelled children. When the status says
		// a foreign object holds the name, read it from the API server
		// rather than send a create bound to fail at every resync.
		err = apierrors.NewNotFound(schema.GroupResource{Resource: api.kind.name}, desired.GetName())
		if ready := meta.FindStatusCondition(fj.Status.Conditions, ihpav1beta2.ConditionReady); ready != nil && ready.Reason == api.kind.foreign {
			live, err = api.get(ctx)
		}
	}
	if apierrors.IsNotFound(err) {
		created, createErr := api.create(ctx, desired)
		if createErr == nil {
			*writes = append(*writes, childWrite{api.kind, "create", desired.GetName()})
			return created, nil
		}
		if !apierrors.IsAlreadyExists(createErr) {
			return none, createErr
		}
		// It exists but is not in the cache: someone removed the label,
		// or it was never ours.
		live, err = api.get(ctx)
	}
	if err != nil {
		return none, err
	}
	if !controls(fj, live) {
		return none, &foreignObjectError{kind: api.kind, namespace: live.GetNamespace(), name: live.GetName()}
	}
	if metaInSync(desired, live) && api.contentInSync(desired, live) {
		return live, nil
	}
	changed := live.DeepCopyObject().(T) // never mutate the cache
	copyMeta(desired, changed)
	api.setContent(desired, changed)
	updated, err := api.update(ctx, changed)
	if err != nil {
		return none, err
	}
	*writes = append(*writes, childWrite{api.kind, "update", desired.GetName()})
	return updated, nil
}

// configMapAPI: the controller owns the ConfigMap's whole content.
func (c *Controller) configMapAPI(fj *ihpav1beta2.FittingJob, seen *observed) childAPI[*corev1.ConfigMap] {
	client := c.kubeClient.CoreV1().ConfigMaps(fj.Namespace)
	name := generator.ConfigMapName(fj)
	return childAPI[*corev1.ConfigMap]{
		kind:   configMapKind,
		cached: seen.configMap,
		get: func(ctx context.Context) (*corev1.ConfigMap, error) {
			return client.Get(ctx, name, metav1.GetOptions{})
		},
		create: func(ctx context.Context, cm *corev1.ConfigMap) (*corev1.ConfigMap, error) {
			return client.Create(ctx, cm, metav1.CreateOptions{})
		},
		update: func(ctx context.Context, cm *corev1.ConfigMap) (*corev1.ConfigMap, error) {
			return client.Update(ctx, cm, metav1.UpdateOptions{})
		},
		contentInSync: func(desired, live *corev1.ConfigMap) bool {
			return maps.Equal(desired.Data, live.Data) && len(live.BinaryData) == 0
		},
		setContent: func(desired, live *corev1.ConfigMap) { live.Data, live.BinaryData = desired.Data, nil },
	}
}

// cronJobAPI: the controller owns the values its generator sets in the
// CronJob's spec; the API server's defaults are left alone (compare.go).
func (c *Controller) cronJobAPI(fj *ihpav1beta2.FittingJob, seen *observed) childAPI[*batchv1.CronJob] {
	client := c.kubeClient.BatchV1().CronJobs(fj.Namespace)
	name := generator.CronJobName(fj)
	return childAPI[*batchv1.CronJob]{
		kind:   cronJobKind,
		cached: seen.cronJob,
		get:    func(ctx context.Context) (*batchv1.CronJob, error) { return client.Get(ctx, name, metav1.GetOptions{}) },
		create: func(ctx context.Context, cj *batchv1.CronJob) (*batchv1.CronJob, error) {
			return client.Create(ctx, cj, metav1.CreateOptions{})
		},
		update: func(ctx context.Context, cj *batchv1.CronJob) (*batchv1.CronJob, error) {
			return client.Update(ctx, cj, metav1.UpdateOptions{})
		},
		contentInSync: cronJobSpecInSync,
		setContent:    func(desired, live *batchv1.CronJob) { live.Spec = desired.Spec },
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

// controls reports whether the FittingJob may write child: child belongs
// to it (generator.OwnerOf, the one rule of whose a child is) and, when
// child has a controller reference, that reference names fj by UID, not
// an earlier FittingJob of the same name. A child with no controller that
// carries the managed-by label is the controller's own whose reference
// somebody removed: sync restores it. An object without the label, or
// controlled by anything else, is never touched.
func controls(fj *ihpav1beta2.FittingJob, child metav1.Object) bool {
	owner, ok := generator.OwnerOf(child)
	if !ok || owner != fj.Name {
		return false
	}
	ref := metav1.GetControllerOf(child)
	return ref == nil || ref.UID == fj.UID
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
