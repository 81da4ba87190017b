package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	kubeinformers "k8s.io/client-go/informers"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	core "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned/fake"
	ihpainformers "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/informers/externalversions"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

var (
	fittingJobsResource = ihpav1beta2.SchemeGroupVersion.WithResource("fittingjobs")
	configMapsResource  = corev1.SchemeGroupVersion.WithResource("configmaps")
	cronJobsResource    = batchv1.SchemeGroupVersion.WithResource("cronjobs")

	// created is when newFittingJob's FittingJobs were created, and
	// fixtureNow the fake clock's time unless a test sets another.
	created    = metav1.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	fixtureNow = created.Add(time.Minute)
)

// fixtureGrace is the freshness grace of the fixture's controllers.
const fixtureGrace = time.Hour

// fixture seeds fake clientsets and informer caches, runs one sync and
// checks the exact API actions, in the style of client-go's
// sample-controller.
type fixture struct {
	t testing.TB

	// Objects in the fake API server, and in the informer caches when
	// production's informers would list them: every FittingJob, but only
	// the ConfigMaps, CronJobs, Jobs and Pods that ManagedBySelector
	// selects.
	fittingJobs []*ihpav1beta2.FittingJob
	configMaps  []*corev1.ConfigMap
	cronJobs    []*batchv1.CronJob
	jobs        []*batchv1.Job
	pods        []*corev1.Pod
	// events are FailedCreate events on Jobs, as FailedCreateSelector
	// selects them.
	failedCreates []*corev1.Event
	// kueue serves Kueue's API, whose Workloads the Workload informer
	// holds (trimmed by TrimWorkload).
	kueue     bool
	workloads []*unstructured.Unstructured
	// Objects only in the fake API server, whatever their labels.
	uncached []runtime.Object
	// Reactors run before the fake API server's object tracker.
	kubeReactors []reactor

	kubeClient *k8sfake.Clientset
	ihpaClient *fake.Clientset
	recorder   *record.FakeRecorder
	// clock is the controller's; newController sets it to now (fixtureNow
	// when zero).
	now   time.Time
	clock *clocktesting.FakeClock
	// fittingJobCache is the FittingJob informer's indexer.
	fittingJobCache cache.Indexer
	// cronJobCache is the CronJob informer's indexer.
	cronJobCache cache.Indexer
}

type reactor struct {
	verb, resource string
	react          core.ReactionFunc
}

func newFixture(t testing.TB) *fixture {
	return &fixture{t: t}
}

func (f *fixture) newController(ctx context.Context) *Controller {
	f.t.Helper()
	var ihpaObjects, kubeObjects []runtime.Object
	for _, fj := range f.fittingJobs {
		ihpaObjects = append(ihpaObjects, fj)
	}
	for _, cm := range f.configMaps {
		kubeObjects = append(kubeObjects, cm)
	}
	for _, cj := range f.cronJobs {
		kubeObjects = append(kubeObjects, cj)
	}
	for _, job := range f.jobs {
		kubeObjects = append(kubeObjects, job)
	}
	for _, pod := range f.pods {
		kubeObjects = append(kubeObjects, pod)
	}
	kubeObjects = append(kubeObjects, f.uncached...)

	f.ihpaClient = fake.NewSimpleClientset(ihpaObjects...)
	f.kubeClient = k8sfake.NewClientset(kubeObjects...)
	for _, r := range f.kubeReactors {
		f.kubeClient.PrependReactor(r.verb, r.resource, r.react)
	}
	f.recorder = record.NewFakeRecorder(100)

	ihpaInformers := ihpainformers.NewSharedInformerFactory(f.ihpaClient, 0)
	kubeInformers := kubeinformers.NewSharedInformerFactory(f.kubeClient, 0)
	fjInformer := ihpaInformers.Ihpa().V1beta2().FittingJobs()
	cmInformer := kubeInformers.Core().V1().ConfigMaps()
	cjInformer := kubeInformers.Batch().V1().CronJobs()
	jobInformer := kubeInformers.Batch().V1().Jobs()
	podInformer := kubeInformers.Core().V1().Pods()
	eventInformer := kubeInformers.Core().V1().Events()
	if f.now.IsZero() {
		f.now = fixtureNow
	}
	f.clock = clocktesting.NewFakeClock(f.now)
	options := Options{FreshnessGrace: fixtureGrace, Clock: f.clock}
	if f.kueue {
		// Never started: its cache is seeded below, as the others are.
		options.WorkloadInformer = cache.NewSharedIndexInformer(&cache.ListWatch{}, &unstructured.Unstructured{}, 0, cache.Indexers{})
	}
	c, err := New(f.kubeClient, f.ihpaClient, fjInformer, cmInformer, cjInformer, jobInformer, podInformer, eventInformer, f.recorder, options)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, w := range f.workloads {
		trimmed, err := TrimWorkload(w.DeepCopy())
		if err != nil {
			f.t.Fatal(err)
		}
		mustAdd(f.t, options.WorkloadInformer.GetIndexer(), trimmed)
	}

	f.fittingJobCache = fjInformer.Informer().GetIndexer()
	f.cronJobCache = cjInformer.Informer().GetIndexer()
	// Seed the caches directly, so that a test controls what sync sees,
	// but only with what production's informers can hold: an object
	// without the managed-by label never reaches these listers.
	for _, fj := range f.fittingJobs {
		mustAdd(f.t, fjInformer.Informer().GetIndexer(), fj)
	}
	selector := managedBySelector(f.t)
	for _, cm := range f.configMaps {
		addSelected(f.t, cmInformer.Informer().GetIndexer(), selector, cm)
	}
	for _, cj := range f.cronJobs {
		addSelected(f.t, cjInformer.Informer().GetIndexer(), selector, cj)
	}
	for _, job := range f.jobs {
		addSelected(f.t, jobInformer.Informer().GetIndexer(), selector, job)
	}
	for _, pod := range f.pods {
		addSelected(f.t, podInformer.Informer().GetIndexer(), selector, pod)
	}
	for _, event := range f.failedCreates {
		trimmed, err := TrimForCache(event.DeepCopy())
		if err != nil {
			f.t.Fatal(err)
		}
		mustAdd(f.t, eventInformer.Informer().GetIndexer(), trimmed)
	}
	return c
}

// managedBySelector is the label selector production's ConfigMap,
// CronJob, Job and Pod informers list with (app.Run tweaks their list
// options with ManagedBySelector).
func managedBySelector(t testing.TB) labels.Selector {
	t.Helper()
	var options metav1.ListOptions
	ManagedBySelector(&options)
	selector, err := labels.Parse(options.LabelSelector)
	if err != nil {
		t.Fatalf("ManagedBySelector: %v", err)
	}
	if selector.Empty() {
		t.Fatal("ManagedBySelector selects everything")
	}
	return selector
}

// addSelected adds obj to indexer if selector selects it, as a filtered
// list and watch would, trimmed as production's informers trim it
// (TrimForCache).
func addSelected(t testing.TB, indexer cache.Indexer, selector labels.Selector, obj metav1.Object) {
	t.Helper()
	if !selector.Matches(labels.Set(obj.GetLabels())) {
		return
	}
	trimmed, err := TrimForCache(obj.(runtime.Object).DeepCopyObject())
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, indexer, trimmed)
}

func mustAdd(t testing.TB, indexer cache.Indexer, obj any) {
	t.Helper()
	if err := indexer.Add(obj); err != nil {
		t.Fatal(err)
	}
}

// sync runs one sync of fj and returns its error and the API actions it
// caused (reads of the informers' list and watch excluded).
func (f *fixture) sync(fj *ihpav1beta2.FittingJob) ([]core.Action, error) {
	f.t.Helper()
	ctx := context.Background()
	c := f.newController(ctx)
	f.kubeClient.ClearActions()
	f.ihpaClient.ClearActions()

	_, err := c.sync(ctx, cache.MetaObjectToName(fj))
	return append(filterInformerActions(f.kubeClient.Actions()), filterInformerActions(f.ihpaClient.Actions())...), err
}

func filterInformerActions(actions []core.Action) []core.Action {
	var kept []core.Action
	for _, action := range actions {
		if action.Matches("list", action.GetResource().Resource) || action.Matches("watch", action.GetResource().Resource) {
			continue
		}
		kept = append(kept, action)
	}
	return kept
}

// events drains the recorded events.
func (f *fixture) events() []string {
	var events []string
	for {
		select {
		case event := <-f.recorder.Events:
			events = append(events, event)
		default:
			return events
		}
	}
}

// checkActions compares actions, objects included; condition transition
// times are set by the clock and ignored.
func checkActions(t *testing.T, want, got []core.Action) {
	t.Helper()
	type action struct {
		Verb, Subresource, Namespace, Name string
		Resource                           schema.GroupVersionResource
		Object                             runtime.Object
	}
	describe := func(actions []core.Action) []action {
		var described []action
		for _, a := range actions {
			d := action{Verb: a.GetVerb(), Subresource: a.GetSubresource(), Namespace: a.GetNamespace(), Resource: a.GetResource()}
			switch a := a.(type) {
			case core.CreateAction:
				d.Object = a.GetObject()
			case core.UpdateAction:
				d.Object = a.GetObject()
			case core.GetAction:
				d.Name = a.GetName()
			}
			described = append(described, d)
		}
		return described
	}
	if diff := cmp.Diff(describe(want), describe(got),
		cmpopts.IgnoreFields(metav1.Condition{}, "LastTransitionTime"),
		cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("API actions (-want +got):\n%s", diff)
	}
}

func checkEvents(t *testing.T, want, got []string) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// newFittingJob is the shared test FittingJob in the default namespace,
// daily at 04:MM with its own image, as the fake API server stores it.
func newFittingJob(name string) *ihpav1beta2.FittingJob {
	fj := testutil.FittingJob(metav1.NamespaceDefault, name,
		testutil.WithImage("fitting:v1"), testutil.WithSeasonality(ihpav1beta2.SeasonalityDaily), testutil.WithExecuteOn(4))
	fj.UID, fj.Generation, fj.CreationTimestamp = types.UID(name+"-uid"), 1, created
	return fj
}

// synced returns fj with the status the controller writes once both
// children are in sync.
func synced(fj *ihpav1beta2.FittingJob) *ihpav1beta2.FittingJob {
	fj = fj.DeepCopy()
	fj.Status = ihpav1beta2.FittingJobStatus{
		ObservedGeneration: fj.Generation,
		Schedule:           wantSchedule(fj),
		Conditions: []metav1.Condition{{
			Type:               ihpav1beta2.ConditionReady,
			Status:             metav1.ConditionTrue,
			Reason:             ihpav1beta2.ReasonSynced,
			Message:            "ConfigMap " + generator.ConfigMapName(fj) + " and CronJob " + fj.Name + " are in sync",
			ObservedGeneration: fj.Generation,
		}, awaitingFirstFit(fj)},
	}
	return fj
}

// awaitingFirstFit is the ForecastFresh condition of a FittingJob of
// newFittingJob's (daily at 04:MM UTC, created at 00:00) at fixtureNow:
// its first run is today at 04:MM, overdue an hour later.
func awaitingFirstFit(fj *ihpav1beta2.FittingJob) metav1.Condition {
	first := time.Date(2026, 11, 1, int(*fj.Spec.ExecuteOn), testutil.SpreadMinute(fj.Namespace, fj.Name), 0, 0, time.UTC)
	return metav1.Condition{
		Type:   ihpav1beta2.ConditionForecastFresh,
		Status: metav1.ConditionUnknown,
		Reason: ihpav1beta2.ReasonAwaitingFirstFit,
		Message: "No fit has succeeded yet; the first scheduled run is at " + first.Format(time.RFC3339) +
			", and the fit is overdue if none has succeeded by " + first.Add(fixtureGrace).Format(time.RFC3339) + ".",
		ObservedGeneration: fj.Generation,
	}
}

// wantSchedule is the schedule of newFittingJob's FittingJobs (executeOn
// set, no spec.schedule) as pkg/generator/README.md ("The schedule and the
// spread minute") defines it, worked out here rather than asked of the
// generator the controller uses.
func wantSchedule(fj *ihpav1beta2.FittingJob) string {
	if fj.Spec.Schedule != "" || fj.Spec.ExecuteOn == nil {
		panic("wantSchedule knows only FittingJobs with executeOn and without spec.schedule")
	}
	return fmt.Sprintf("%d %d * * *", testutil.SpreadMinute(fj.Namespace, fj.Name), *fj.Spec.ExecuteOn)
}

// withReady returns fj with a False Ready condition and the
// observedGeneration a sync writes along with it.
func withReady(fj *ihpav1beta2.FittingJob, reason, message string) *ihpav1beta2.FittingJob {
	fj = fj.DeepCopy()
	fj.Status.ObservedGeneration = fj.Generation
	fj.Status.Conditions = []metav1.Condition{{
		Type:               ihpav1beta2.ConditionReady,
		Status:             metav1.ConditionFalse,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: fj.Generation,
	}, awaitingFirstFit(fj)}
	return fj
}

// desired is what the generator makes of fj; the test fails if fj is
// invalid.
func desired(t testing.TB, fj *ihpav1beta2.FittingJob) *generator.Children {
	t.Helper()
	children, errs := generator.Desired(fj)
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	return children
}

func desiredConfigMap(t testing.TB, fj *ihpav1beta2.FittingJob) *corev1.ConfigMap {
	t.Helper()
	return desired(t, fj).ConfigMap
}

func desiredCronJob(t testing.TB, fj *ihpav1beta2.FittingJob) *batchv1.CronJob {
	t.Helper()
	return desired(t, fj).CronJob
}

// asStored returns obj as a real API server returns it: with identity and
// the fields its defaulting adds, which the generator never sets.
func asStored[T metav1.Object](obj T) T {
	obj.SetUID(types.UID(obj.GetName() + "-child-uid"))
	obj.SetResourceVersion("42")
	obj.SetCreationTimestamp(metav1.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if cj, ok := any(obj).(*batchv1.CronJob); ok {
		defaultCronJob(cj)
	}
	return obj
}

// defaultCronJob applies what kube-apiserver's defaulting adds to a
// batch/v1 CronJob and its pod template.
func defaultCronJob(cj *batchv1.CronJob) {
	cj.Spec.Suspend = ptr.To(false)
	cj.Spec.SuccessfulJobsHistoryLimit = ptr.To[int32](3)
	cj.Spec.FailedJobsHistoryLimit = ptr.To[int32](1)
	pod := &cj.Spec.JobTemplate.Spec.Template.Spec
	pod.DNSPolicy = corev1.DNSClusterFirst
	pod.SchedulerName = corev1.DefaultSchedulerName
	pod.SecurityContext = &corev1.PodSecurityContext{}
	pod.TerminationGracePeriodSeconds = ptr.To[int64](30)
	for i := range pod.Volumes {
		if cm := pod.Volumes[i].ConfigMap; cm != nil && cm.DefaultMode == nil {
			cm.DefaultMode = ptr.To[int32](0o644)
		}
	}
	for i := range pod.Containers {
		c := &pod.Containers[i]
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
		if c.ImagePullPolicy == "" {
			c.ImagePullPolicy = corev1.PullIfNotPresent
			if strings.HasSuffix(c.Image, ":latest") {
				c.ImagePullPolicy = corev1.PullAlways
			}
		}
	}
}

func createAction(resource schema.GroupVersionResource, obj metav1.Object) core.Action {
	return core.NewCreateAction(resource, obj.GetNamespace(), obj.(runtime.Object))
}

func updateAction(resource schema.GroupVersionResource, obj metav1.Object) core.Action {
	return core.NewUpdateAction(resource, obj.GetNamespace(), obj.(runtime.Object))
}

func getAction(resource schema.GroupVersionResource, obj metav1.Object) core.Action {
	return core.NewGetAction(resource, obj.GetNamespace(), obj.GetName())
}

func updateStatusAction(fj *ihpav1beta2.FittingJob) core.Action {
	return core.NewUpdateSubresourceAction(fittingJobsResource, "status", fj.Namespace, fj)
}
