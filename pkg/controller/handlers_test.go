package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// queued drains the controller's queue.
func queued(c *Controller) []cache.ObjectName {
	var keys []cache.ObjectName
	for c.queue.Len() > 0 {
		key, _ := c.queue.Get()
		keys = append(keys, key)
		c.queue.Done(key)
	}
	return keys
}

func TestChildEventsMapToTheOwningFittingJob(t *testing.T) {
	fj := newFittingJob("web")
	owned := metav1.ObjectMeta{Namespace: "default", Name: "web-config", OwnerReferences: []metav1.OwnerReference{generator.OwnerReference(fj)}}
	labelled := map[string]string{ihpav1beta2.ManagedByLabel: ihpav1beta2.ManagedByValue}
	webKey := []cache.ObjectName{{Namespace: "default", Name: "web"}}

	tests := map[string]struct {
		obj  any
		want []cache.ObjectName
	}{
		"ConfigMap controlled by the FittingJob": {
			obj: &corev1.ConfigMap{ObjectMeta: owned}, want: webKey,
		},
		"CronJob controlled by the FittingJob": {
			obj: &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", OwnerReferences: owned.OwnerReferences}}, want: webKey,
		},
		"deleted ConfigMap seen as a tombstone": {
			obj: cache.DeletedFinalStateUnknown{Key: "default/web-config", Obj: &corev1.ConfigMap{ObjectMeta: owned}}, want: webKey,
		},
		"labelled ConfigMap whose controller reference was removed": {
			obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-config", Labels: labelled}}, want: webKey,
		},
		"labelled CronJob whose controller reference was removed": {
			obj: &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", Labels: labelled}}, want: webKey,
		},
		"ConfigMap controlled by a Deployment": {
			obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-config", Labels: labelled,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "d", Controller: ptr.To(true)}}}},
		},
		"ConfigMap of a FittingJob that does not exist": {
			obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "api-config", Labels: labelled}},
		},
		"unlabelled orphan ConfigMap": {
			obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-config"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.fittingJobs = append(f.fittingJobs, fj)
			c := f.newController(t.Context())

			c.handleChild(tc.obj)
			if diff := cmp.Diff(tc.want, queued(c)); diff != "" {
				t.Errorf("queued keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChildAddsAreQueuedOnlyWithoutAController(t *testing.T) {
	fj := newFittingJob("web")
	labelled := map[string]string{ihpav1beta2.ManagedByLabel: ihpav1beta2.ManagedByValue}
	tests := map[string]struct {
		obj      any
		enqueued bool
	}{
		"created by the controller": {
			obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-config", Labels: labelled,
				OwnerReferences: []metav1.OwnerReference{generator.OwnerReference(fj)}}},
			enqueued: false,
		},
		"labelled, without a controller": {
			obj:      &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", Labels: labelled}},
			enqueued: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.fittingJobs = append(f.fittingJobs, fj)
			c := f.newController(t.Context())
			c.addChild(tc.obj)
			if got := len(queued(c)) == 1; got != tc.enqueued {
				t.Errorf("enqueued = %v, want %v", got, tc.enqueued)
			}
		})
	}
}

func TestFittingJobUpdatesThatNeedNoSyncAreSkipped(t *testing.T) {
	fj := newFittingJob("web")
	fj.ResourceVersion = "1"
	statusOnly := synced(fj)
	statusOnly.ResourceVersion = "2"
	specChange := fj.DeepCopy()
	specChange.ResourceVersion, specChange.Generation = "2", 2
	deleting := fj.DeepCopy()
	deleting.ResourceVersion, deleting.DeletionTimestamp = "2", ptr.To(metav1.Now())

	tests := map[string]struct {
		updated  *ihpav1beta2.FittingJob
		enqueued bool
	}{
		"resync":                         {updated: fj, enqueued: true},
		"spec change":                    {updated: specChange, enqueued: true},
		"deletion started":               {updated: deleting, enqueued: true},
		"status write of the controller": {updated: statusOnly, enqueued: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newFixture(t).newController(t.Context())
			c.updateFittingJob(fj, tc.updated)
			if got := len(queued(c)) == 1; got != tc.enqueued {
				t.Errorf("enqueued = %v, want %v", got, tc.enqueued)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	tests := map[string]struct {
		want, got any
		covered   bool
	}{
		"equal scalars":               {want: "a", got: "a", covered: true},
		"different scalars":           {want: "a", got: "b", covered: false},
		"absent want covers anything": {want: nil, got: "defaulted", covered: true},
		"defaulted key in got":        {want: map[string]any{"a": "1"}, got: map[string]any{"a": "1", "b": "2"}, covered: true},
		"missing key in got":          {want: map[string]any{"a": "1"}, got: map[string]any{}, covered: false},
		"nested difference":           {want: map[string]any{"a": map[string]any{"b": int64(1)}}, got: map[string]any{"a": map[string]any{"b": int64(2)}}, covered: false},
		"list elements covered":       {want: []any{map[string]any{"n": "x"}}, got: []any{map[string]any{"n": "x", "mode": int64(420)}}, covered: true},
		"longer list in got":          {want: []any{"x"}, got: []any{"x", "y"}, covered: false},
		"shorter list in got":         {want: []any{"x", "y"}, got: []any{"x"}, covered: false},
		"list against a scalar":       {want: []any{"x"}, got: "x", covered: false},
		"map against nothing":         {want: map[string]any{"a": "1"}, got: nil, covered: false},
		"empty map against nothing":   {want: map[string]any{}, got: nil, covered: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := covers(tc.want, tc.got); got != tc.covered {
				t.Errorf("covers(%v, %v) = %v, want %v", tc.want, tc.got, got, tc.covered)
			}
		})
	}
}
