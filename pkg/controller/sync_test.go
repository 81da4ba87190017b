package controller

import (
	"errors"
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	core "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

func TestSyncCreatesBothChildrenAndRecordsStatus(t *testing.T) {
	f := newFixture(t)
	fj := newFittingJob("web")
	f.fittingJobs = append(f.fittingJobs, fj)

	actions, err := f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	checkActions(t, []core.Action{
		createAction(configMapsResource, desiredConfigMap(t, fj)),
		createAction(cronJobsResource, desiredCronJob(t, fj)),
		updateStatusAction(synced(fj)),
	}, actions)
	// Carrying out a new spec is no news: Ready and observedGeneration
	// say it, without an event's write.
	checkEvents(t, nil, f.events())
}

func TestSyncInSteadyStateDoesNothing(t *testing.T) {
	fj := newFittingJob("web")
	tests := map[string]struct {
		configMap *corev1.ConfigMap
		cronJob   *batchv1.CronJob
	}{
		"children exactly as generated": {
			configMap: desiredConfigMap(t, fj),
			cronJob:   desiredCronJob(t, fj),
		},
		// The case that catches a naive whole-spec comparison.
		"children as a real API server returns them, defaulted": {
			configMap: asStored(desiredConfigMap(t, fj)),
			cronJob:   asStored(desiredCronJob(t, fj)),
		},
		"children with labels, annotations and owners added by others": {
			configMap: func() *corev1.ConfigMap {
				cm := asStored(desiredConfigMap(t, fj))
				cm.Labels["team"] = "search"
				cm.Annotations = map[string]string{"note": "kept"}
				cm.OwnerReferences = append(cm.OwnerReferences, metav1.OwnerReference{APIVersion: "v1", Kind: "Namespace", Name: "x", UID: "x"})
				return cm
			}(),
			cronJob: func() *batchv1.CronJob {
				cj := asStored(desiredCronJob(t, fj))
				cj.Labels["team"] = "search"
				cj.Annotations["note"] = "kept"
				return cj
			}(),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.fittingJobs = append(f.fittingJobs, synced(fj))
			f.configMaps = append(f.configMaps, tc.configMap)
			f.cronJobs = append(f.cronJobs, tc.cronJob)

			actions, err := f.sync(fj)
			if err != nil {
				t.Fatal(err)
			}
			checkActions(t, nil, actions)
			checkEvents(t, nil, f.events())
		})
	}
}

func TestSyncRevertsDrift(t *testing.T) {
	fj := newFittingJob("web")
	tests := map[string]struct {
		// drift edits the stored children or fj; want is the write expected.
		drift func(fj *ihpav1beta2.FittingJob, cm *corev1.ConfigMap, cj *batchv1.CronJob)
		want  func(fj *ihpav1beta2.FittingJob, cm *corev1.ConfigMap, cj *batchv1.CronJob) core.Action
	}{
		"config.json edited": {
			drift: func(_ *ihpav1beta2.FittingJob, cm *corev1.ConfigMap, _ *batchv1.CronJob) {
				cm.Data[generator.ConfigKey] = `{"edited":true}`
			},
			want: restoredConfigMap(t),
		},
		"binaryData added to the ConfigMap": {
			drift: func(_ *ihpav1beta2.FittingJob, cm *corev1.ConfigMap, _ *batchv1.CronJob) {
				cm.BinaryData = map[string][]byte{"x": {1}}
			},
			want: restoredConfigMap(t),
		},
		"ConfigMap controller reference removed, label kept": {
			drift: func(_ *ihpav1beta2.FittingJob, cm *corev1.ConfigMap, _ *batchv1.CronJob) {
				cm.OwnerReferences = nil
			},
			want: restoredConfigMap(t),
		},
		"ConfigMap blockOwnerDeletion cleared": {
			drift: func(_ *ihpav1beta2.FittingJob, cm *corev1.ConfigMap, _ *batchv1.CronJob) {
				cm.OwnerReferences[0].BlockOwnerDeletion = ptr.To(false)
			},
			want: restoredConfigMap(t),
		},
		"CronJob image edited": {
			drift: func(_ *ihpav1beta2.FittingJob, _ *corev1.ConfigMap, cj *batchv1.CronJob) {
				cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image = "evil:latest"
			},
			want: restoredCronJob(t),
		},
		"CronJob schedule edited": {
			drift: func(_ *ihpav1beta2.FittingJob, _ *corev1.ConfigMap, cj *batchv1.CronJob) {
				cj.Spec.Schedule = "* * * * *"
			},
			want: restoredCronJob(t),
		},
		"CronJob config volume removed": {
			drift: func(_ *ihpav1beta2.FittingJob, _ *corev1.ConfigMap, cj *batchv1.CronJob) {
				cj.Spec.JobTemplate.Spec.Template.Spec.Volumes = nil
			},
			want: restoredCronJob(t),
		},
		"CronJob container renamed": {
			drift: func(_ *ihpav1beta2.FittingJob, _ *corev1.ConfigMap, cj *batchv1.CronJob) {
				cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Name = "main"
			},
			want: restoredCronJob(t),
		},
		"CronJob second container added": {
			drift: func(_ *ihpav1beta2.FittingJob, _ *corev1.ConfigMap, cj *batchv1.CronJob) {
				pod := &cj.Spec.JobTemplate.Spec.Template.Spec
				pod.Containers = append(pod.Containers, corev1.Container{Name: "sidecar", Image: "x"})
			},
			want: restoredCronJob(t),
		},
		"CronJob spec hash annotation removed": {
			drift: func(_ *ihpav1beta2.FittingJob, _ *corev1.ConfigMap, cj *batchv1.CronJob) {
				delete(cj.Annotations, ihpav1beta2.SpecHashAnnotation)
			},
			want: restoredCronJob(t),
		},
		"CronJob controller reference removed, label kept": {
			drift: func(_ *ihpav1beta2.FittingJob, _ *corev1.ConfigMap, cj *batchv1.CronJob) {
				cj.OwnerReferences = nil
			},
			want: restoredCronJob(t),
		},
		// The stored CronJob still covers the smaller desired spec: only the
		// spec hash tells that nodeSelector must go.
		"field removed from the FittingJob": {
			drift: func(fj *ihpav1beta2.FittingJob, _ *corev1.ConfigMap, cj *batchv1.CronJob) {
				cj.Spec.JobTemplate.Spec.Template.Spec.NodeSelector = map[string]string{"pool": "batch"}
				withNodeSelector := fj.DeepCopy()
				withNodeSelector.Spec.NodeSelector = map[string]string{"pool": "batch"}
				cj.Annotations[ihpav1beta2.SpecHashAnnotation] = desiredCronJob(t, withNodeSelector).Annotations[ihpav1beta2.SpecHashAnnotation]
			},
			want: restoredCronJob(t),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			fj := synced(fj)
			cm, cj := asStored(desiredConfigMap(t, fj)), asStored(desiredCronJob(t, fj))
			stored := cm.DeepCopy()
			storedCJ := cj.DeepCopy()
			tc.drift(fj, stored, storedCJ)
			f.fittingJobs = append(f.fittingJobs, fj)
			f.configMaps = append(f.configMaps, stored)
			f.cronJobs = append(f.cronJobs, storedCJ)

			actions, err := f.sync(fj)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want(fj, stored, storedCJ)
			checkActions(t, []core.Action{want}, actions)
			// Putting back what someone changed is news: one event.
			kind := map[string]string{"configmaps": "ConfigMap", "cronjobs": "CronJob"}[want.GetResource().Resource]
			name := want.(core.UpdateAction).GetObject().(metav1.Object).GetName()
			checkEvents(t, []string{fmt.Sprintf("Normal Updated Reverted %s %s to match the FittingJob", kind, name)}, f.events())
		})
	}
}

// restoredConfigMap expects the stored ConfigMap written back with the
// desired content, label and controller reference.
func restoredConfigMap(t *testing.T) func(*ihpav1beta2.FittingJob, *corev1.ConfigMap, *batchv1.CronJob) core.Action {
	return func(fj *ihpav1beta2.FittingJob, stored *corev1.ConfigMap, _ *batchv1.CronJob) core.Action {
		want := stored.DeepCopy()
		desired := desiredConfigMap(t, fj)
		want.Labels = desired.Labels
		want.OwnerReferences = desired.OwnerReferences
		want.Data = desired.Data
		want.BinaryData = nil
		return updateAction(configMapsResource, want)
	}
}

func restoredCronJob(t *testing.T) func(*ihpav1beta2.FittingJob, *corev1.ConfigMap, *batchv1.CronJob) core.Action {
	return func(fj *ihpav1beta2.FittingJob, _ *corev1.ConfigMap, stored *batchv1.CronJob) core.Action {
		want := stored.DeepCopy()
		desired := desiredCronJob(t, fj)
		want.Labels = desired.Labels
		want.Annotations = desired.Annotations
		want.OwnerReferences = desired.OwnerReferences
		want.Spec = desired.Spec
		return updateAction(cronJobsResource, want)
	}
}

func TestSyncUpdatesChildrenWhenTheSpecChanges(t *testing.T) {
	f := newFixture(t)
	old := synced(newFittingJob("web"))
	fj := old.DeepCopy()
	fj.Generation = 2
	fj.Spec.Image = "fitting:v2"
	fj.Spec.CustomConfig = `{"k":1}`
	stored := asStored(desiredCronJob(t, old))
	f.fittingJobs = append(f.fittingJobs, fj)
	f.configMaps = append(f.configMaps, asStored(desiredConfigMap(t, old)))
	f.cronJobs = append(f.cronJobs, stored)

	actions, err := f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	wantCM := asStored(desiredConfigMap(t, old))
	wantCM.Data = desiredConfigMap(t, fj).Data
	wantCJ := stored.DeepCopy()
	wantCJ.Annotations = desiredCronJob(t, fj).Annotations
	wantCJ.Spec = desiredCronJob(t, fj).Spec
	checkActions(t, []core.Action{
		updateAction(configMapsResource, wantCM),
		updateAction(cronJobsResource, wantCJ),
		updateStatusAction(synced(fj)),
	}, actions)
}

func TestSyncRecreatesADeletedChild(t *testing.T) {
	f := newFixture(t)
	fj := synced(newFittingJob("web"))
	f.fittingJobs = append(f.fittingJobs, fj)
	f.configMaps = append(f.configMaps, asStored(desiredConfigMap(t, fj)))

	actions, err := f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	checkActions(t, []core.Action{createAction(cronJobsResource, desiredCronJob(t, fj))}, actions)
	checkEvents(t, []string{"Normal Created Recreated CronJob web to match the FittingJob"}, f.events())
}

// A child whose managed-by label was removed or changed drops out of the
// filtered cache; the create then meets AlreadyExists and sync reads it
// directly. Its controller reference says it is the FittingJob's, so the
// label is restored.
func TestSyncRestoresAChildMissingFromTheCache(t *testing.T) {
	for name, labels := range map[string]map[string]string{
		"label removed":                  nil,
		"label changed to another owner": {ihpav1beta2.ManagedByLabel: "someone-else"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			fj := synced(newFittingJob("web"))
			unlabelled := asStored(desiredConfigMap(t, fj))
			unlabelled.Labels = labels
			f.fittingJobs = append(f.fittingJobs, fj)
			f.configMaps = append(f.configMaps, unlabelled)
			f.cronJobs = append(f.cronJobs, asStored(desiredCronJob(t, fj)))

			actions, err := f.sync(fj)
			if err != nil {
				t.Fatal(err)
			}
			restored := unlabelled.DeepCopy()
			restored.Labels = desiredConfigMap(t, fj).Labels
			checkActions(t, []core.Action{
				createAction(configMapsResource, desiredConfigMap(t, fj)),
				getAction(configMapsResource, unlabelled),
				updateAction(configMapsResource, restored),
			}, actions)
		})
	}
}

func TestSyncRefusesObjectsItDoesNotControl(t *testing.T) {
	fj := newFittingJob("web")
	foreignOwner := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "other", UID: "other-uid", Controller: ptr.To(true)}
	tests := map[string]struct {
		configMaps []*corev1.ConfigMap
		cronJobs   []*batchv1.CronJob
		uncached   []runtime.Object
		// reads are the API requests sync needs to find the conflict, and
		// rereads those it needs once the conflict is reported.
		reads, rereads []core.Action
		reason         string
		object         string
	}{
		"ConfigMap without our label or owner, not cached": {
			uncached: []runtime.Object{&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-config"}}},
			reads: []core.Action{
				createAction(configMapsResource, desiredConfigMap(t, fj)),
				getAction(configMapsResource, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-config"}}),
			},
			rereads: []core.Action{
				getAction(configMapsResource, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-config"}}),
			},
			reason: ihpav1beta2.ReasonConfigMapConflict, object: "ConfigMap default/web-config",
		},
		"ConfigMap controlled by another object, with our label": {
			configMaps: []*corev1.ConfigMap{{ObjectMeta: metav1.ObjectMeta{
				Namespace: "default", Name: "web-config",
				Labels:          map[string]string{ihpav1beta2.ManagedByLabel: ihpav1beta2.ManagedByValue},
				OwnerReferences: []metav1.OwnerReference{foreignOwner},
			}}},
			reason: ihpav1beta2.ReasonConfigMapConflict, object: "ConfigMap default/web-config",
		},
		"CronJob of a FittingJob of the same name that was deleted (old UID)": {
			configMaps: []*corev1.ConfigMap{asStored(desiredConfigMap(t, fj))},
			cronJobs: []*batchv1.CronJob{func() *batchv1.CronJob {
				cj := asStored(desiredCronJob(t, fj))
				cj.OwnerReferences[0].UID = "previous-uid"
				return cj
			}()},
			reason: ihpav1beta2.ReasonCronJobConflict, object: "CronJob default/web",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.fittingJobs = append(f.fittingJobs, fj)
			f.configMaps, f.cronJobs, f.uncached = tc.configMaps, tc.cronJobs, tc.uncached

			actions, err := f.sync(fj)
			if err != nil {
				t.Fatalf("a conflict must not be retried with backoff, got %v", err)
			}
			message := tc.object + " already exists and is not controlled by this FittingJob; " +
				"delete or rename it, or rename the FittingJob"
			reported := withReady(fj, tc.reason, message)
			checkActions(t, append(tc.reads, updateStatusAction(reported)), actions)
			checkEvents(t, []string{"Warning " + tc.reason + " " + message}, f.events())

			// Once reported, syncing again writes nothing and records no event.
			f.fittingJobs = []*ihpav1beta2.FittingJob{reported}
			actions, err = f.sync(reported)
			if err != nil {
				t.Fatal(err)
			}
			checkActions(t, tc.rereads, actions)
			checkEvents(t, nil, f.events())
		})
	}
}

func TestSyncReportsAnInvalidSpecWithoutWriting(t *testing.T) {
	f := newFixture(t)
	fj := newFittingJob("web")
	fj.Spec.Provider = ihpav1beta2.Provider{}
	f.fittingJobs = append(f.fittingJobs, fj)

	actions, err := f.sync(fj)
	if err != nil {
		t.Fatalf("an invalid spec must not be retried until it changes, got %v", err)
	}
	_, errs := generator.Desired(fj)
	if len(errs) == 0 {
		t.Fatal("the fixture should be invalid")
	}
	message := errs.ToAggregate().Error()
	want := withReady(fj, ihpav1beta2.ReasonInvalidSpec, message)
	// Nothing runs: no CronJob was ever made, and the spec has no
	// schedule the controller could read.
	want.Status.Conditions[1] = metav1.Condition{
		Type:               ihpav1beta2.ConditionForecastFresh,
		Status:             metav1.ConditionUnknown,
		Reason:             ihpav1beta2.ReasonInvalidSchedule,
		Message:            "No schedule is in force: the spec is invalid and the FittingJob has no CronJob (Ready says why).",
		ObservedGeneration: fj.Generation,
	}
	checkActions(t, []core.Action{updateStatusAction(want)}, actions)
	checkEvents(t, []string{"Warning InvalidSpec " + message}, f.events())
}

func TestSyncReportsChildrenTheAPIServerRefuses(t *testing.T) {
	f := newFixture(t)
	fj := newFittingJob("web")
	fj.Spec.TimeZone = ptr.To("Mars/Olympus_Mons")
	f.fittingJobs = append(f.fittingJobs, fj)
	invalid := apierrors.NewInvalid(batchv1.SchemeGroupVersion.WithKind("CronJob").GroupKind(), "web",
		field.ErrorList{field.Invalid(field.NewPath("spec", "timeZone"), "Mars/Olympus_Mons", "unknown time zone")})
	f.kubeReactors = append(f.kubeReactors, reactor{"create", "cronjobs", func(core.Action) (bool, runtime.Object, error) {
		return true, nil, invalid
	}})

	actions, err := f.sync(fj)
	if err != nil {
		t.Fatalf("a refused child must not be retried until the spec changes, got %v", err)
	}
	message := "the API server refused the CronJob: " + invalid.Error()
	want := withReady(fj, ihpav1beta2.ReasonCronJobRejected, message)
	// Without a schedule that can fire, freshness has no period.
	want.Status.Conditions[1] = metav1.Condition{
		Type:               ihpav1beta2.ConditionForecastFresh,
		Status:             metav1.ConditionUnknown,
		Reason:             ihpav1beta2.ReasonInvalidSchedule,
		Message:            "The schedule in force cannot be used: unknown time zone Mars/Olympus_Mons",
		ObservedGeneration: fj.Generation,
	}
	checkActions(t, []core.Action{
		createAction(configMapsResource, desiredConfigMap(t, fj)),
		createAction(cronJobsResource, desiredCronJob(t, fj)),
		updateStatusAction(want),
	}, actions)
	checkEvents(t, []string{
		"Warning CronJobRejected " + message,
	}, f.events())
}

func TestSyncRetriesAPIErrors(t *testing.T) {
	f := newFixture(t)
	fj := newFittingJob("web")
	f.fittingJobs = append(f.fittingJobs, fj)
	unavailable := apierrors.NewServiceUnavailable("etcd is down")
	f.kubeReactors = append(f.kubeReactors, reactor{"create", "configmaps", func(core.Action) (bool, runtime.Object, error) {
		return true, nil, unavailable
	}})

	actions, err := f.sync(fj)
	if !errors.Is(err, unavailable) {
		t.Fatalf("want the API error returned for a retry with backoff, got %v", err)
	}
	checkActions(t, []core.Action{
		createAction(configMapsResource, desiredConfigMap(t, fj)),
		updateStatusAction(withReady(fj, ihpav1beta2.ReasonAPIError, "writing the ConfigMap: "+unavailable.Error())),
	}, actions)
}

// A conflict on a child write means the cache was stale: retried, without
// reporting an error in the status.
func TestSyncRetriesWriteConflictsQuietly(t *testing.T) {
	f := newFixture(t)
	fj := synced(newFittingJob("web"))
	stored := asStored(desiredCronJob(t, fj))
	stored.Spec.Schedule = "* * * * *"
	f.fittingJobs = append(f.fittingJobs, fj)
	f.configMaps = append(f.configMaps, asStored(desiredConfigMap(t, fj)))
	f.cronJobs = append(f.cronJobs, stored)
	conflict := apierrors.NewConflict(cronJobsResource.GroupResource(), "web", errors.New("modified"))
	f.kubeReactors = append(f.kubeReactors, reactor{"update", "cronjobs", func(core.Action) (bool, runtime.Object, error) {
		return true, nil, conflict
	}})

	actions, err := f.sync(fj)
	if !errors.Is(err, conflict) {
		t.Fatalf("want the conflict returned for a retry, got %v", err)
	}
	checkActions(t, []core.Action{restoredCronJob(t)(fj, nil, stored)}, actions)
	checkEvents(t, nil, f.events())
}

func TestSyncReturnsStatusWriteErrors(t *testing.T) {
	f := newFixture(t)
	fj := newFittingJob("web")
	f.fittingJobs = append(f.fittingJobs, fj)
	f.configMaps = append(f.configMaps, asStored(desiredConfigMap(t, fj)))
	f.cronJobs = append(f.cronJobs, asStored(desiredCronJob(t, fj)))
	ctx := t.Context()
	c := f.newController(ctx)
	conflict := apierrors.NewConflict(fittingJobsResource.GroupResource(), "web", errors.New("stale"))
	f.ihpaClient.PrependReactor("update", "fittingjobs", func(core.Action) (bool, runtime.Object, error) {
		return true, nil, conflict
	})

	if _, err := c.sync(ctx, keyOf(fj)); !errors.Is(err, conflict) {
		t.Fatalf("want the status conflict returned for a retry, got %v", err)
	}
}

func TestSyncIgnoresFittingJobsThatAreGoneOrGoing(t *testing.T) {
	t.Run("not found", func(t *testing.T) {
		f := newFixture(t)
		actions, err := f.sync(newFittingJob("gone"))
		if err != nil {
			t.Fatal(err)
		}
		checkActions(t, nil, actions)
	})
	t.Run("being deleted", func(t *testing.T) {
		f := newFixture(t)
		fj := newFittingJob("going")
		fj.DeletionTimestamp = ptr.To(metav1.Now())
		fj.Finalizers = []string{"example.com/hold"}
		f.fittingJobs = append(f.fittingJobs, fj)
		actions, err := f.sync(fj)
		if err != nil {
			t.Fatal(err)
		}
		checkActions(t, nil, actions)
	})
}

func TestSyncMirrorsCronJobStatus(t *testing.T) {
	f := newFixture(t)
	fj := synced(newFittingJob("web"))
	cj := asStored(desiredCronJob(t, fj))
	lastSchedule := metav1.Date(2026, 11, 25, 4, 12, 0, 0, time.UTC)
	lastSuccess := metav1.Date(2026, 11, 25, 4, 20, 0, 0, time.UTC)
	cj.Status.LastScheduleTime, cj.Status.LastSuccessfulTime = &lastSchedule, &lastSuccess
	f.now = lastSuccess.Add(time.Hour)
	f.fittingJobs = append(f.fittingJobs, fj)
	f.configMaps = append(f.configMaps, asStored(desiredConfigMap(t, fj)))
	f.cronJobs = append(f.cronJobs, cj)

	actions, err := f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	want := fj.DeepCopy()
	want.Status.LastScheduleTime, want.Status.LastSuccessfulTime = &lastSchedule, &lastSuccess
	want.Status.Conditions[1] = metav1.Condition{
		Type:   ihpav1beta2.ConditionForecastFresh,
		Status: metav1.ConditionTrue,
		Reason: ihpav1beta2.ReasonFitSucceeded,
		Message: "The last fit succeeded at 2026-11-25T04:20:00Z; the forecast is fresh until 2026-11-26T05:20:00Z " +
			"(one schedule period, 24h0m0s, plus a grace of 1h0m0s).",
		ObservedGeneration: fj.Generation,
	}
	checkActions(t, []core.Action{updateStatusAction(want)}, actions)
}

func TestSyncWarnsAboutTheSpecOncePerGeneration(t *testing.T) {
	fj := newFittingJob("web")
	fj.Spec.DataConfigMap = nil
	fj.Spec.Provider = ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{APIKey: "a", AppKey: "b"}}
	warnings := generator.Warnings(fj)
	if len(warnings) != 2 {
		t.Fatalf("the fixture should draw two warnings, got %q", warnings)
	}

	f := newFixture(t)
	f.fittingJobs = append(f.fittingJobs, fj)
	if _, err := f.sync(fj); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, w := range warnings {
		want = append(want, "Warning SpecWarning "+w)
	}
	checkEvents(t, want, f.events())

	// The same generation again, as after a restart: no repeat.
	f = newFixture(t)
	observed := synced(fj)
	f.fittingJobs = append(f.fittingJobs, observed)
	f.configMaps = append(f.configMaps, asStored(desiredConfigMap(t, fj)))
	f.cronJobs = append(f.cronJobs, asStored(desiredCronJob(t, fj)))
	if _, err := f.sync(observed); err != nil {
		t.Fatal(err)
	}
	checkEvents(t, nil, f.events())
}

func keyOf(fj *ihpav1beta2.FittingJob) cache.ObjectName {
	return cache.MetaObjectToName(fj)
}
