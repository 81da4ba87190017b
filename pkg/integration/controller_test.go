//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// The original project's sample applies unchanged and gets both children
// exactly as pkg/generator/README.md describes them.
func TestChildrenAreCreatedAsSpecified(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := loadFittingJob(t, "manifests/samples/original/fittingjob.yaml")
	fj.Namespace = ns
	createFittingJob(t, fj)
	fj = waitReady(t, ns, fj.Name)

	owner := metav1.OwnerReference{
		APIVersion: "ihpa.ake.cyberagent.co.jp/v1beta2", Kind: "FittingJob", Name: fj.Name, UID: fj.UID,
		Controller: ptrTo(true), BlockOwnerDeletion: ptrTo(true),
	}
	managedBy := map[string]string{"app.kubernetes.io/managed-by": "fittingjob-controller"}

	cm, err := kube.CoreV1().ConfigMaps(ns).Get(context.Background(), "fittingjob-config", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]metav1.OwnerReference{owner}, cm.OwnerReferences); diff != "" {
		t.Errorf("ConfigMap owner references (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(managedBy, cm.Labels); diff != "" {
		t.Errorf("ConfigMap labels (-want +got):\n%s", diff)
	}
	var config map[string]any
	if err := json.Unmarshal([]byte(cm.Data["config.json"]), &config); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	wantConfig := map[string]any{
		"provider":               map[string]any{"datadog": map[string]any{"apikey": "xxx", "appkey": "yyy"}},
		"targetMetricsName":      "sum:nginx.net.request_per_s",
		"targetTags":             map[string]any{"kube_namespace": "default", "kube_deployment": "nginx", "kube_container_name": "nginx"},
		"seasonality":            "daily",
		"dataConfigMapName":      "",
		"dataConfigMapNamespace": ns,
		"changePointDetection": map[string]any{
			"percentageThreshold": 50.0, "windowSize": 100.0, "trajectoryRows": 50.0,
			"trajectoryFeatures": 5.0, "testRows": 50.0, "testFeatures": 5.0, "lag": 288.0,
		},
		"customConfig": `{"hello":"world"}`,
	}
	if diff := cmp.Diff(wantConfig, config); diff != "" {
		t.Errorf("config.json (-want +got):\n%s", diff)
	}

	cj, err := kube.BatchV1().CronJobs(ns).Get(context.Background(), "fittingjob", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]metav1.OwnerReference{owner}, cj.OwnerReferences); diff != "" {
		t.Errorf("CronJob owner references (-want +got):\n%s", diff)
	}
	if !hasLabels(cj.Labels, managedBy) {
		t.Errorf("CronJob labels = %v, want %v among them", cj.Labels, managedBy)
	}
	wantSchedule := fmt.Sprintf("%d 12 * * *", testutil.SpreadMinute(ns, fj.Name))
	if cj.Spec.Schedule != wantSchedule || fj.Status.Schedule != wantSchedule {
		t.Errorf("schedule: CronJob %q, status %q, want %q", cj.Spec.Schedule, fj.Status.Schedule, wantSchedule)
	}
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy = %q, want Forbid", cj.Spec.ConcurrencyPolicy)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("restartPolicy = %q, want OnFailure", pod.RestartPolicy)
	}
	if diff := cmp.Diff([]corev1.LocalObjectReference{{Name: "pull-secret"}}, pod.ImagePullSecrets); diff != "" {
		t.Errorf("imagePullSecrets (-want +got):\n%s", diff)
	}
	if len(pod.Containers) != 1 || pod.Containers[0].Name != "fittingjob" || pod.Containers[0].Image != "your-job-image:v1" {
		t.Fatalf("containers = %+v, want one named fittingjob running your-job-image:v1", pod.Containers)
	}
	checkConfigVolume(t, pod, "fittingjob-config")

	events := eventsFor(t, fj)
	if n := count(events, "Warning "+ihpav1beta2.EventReasonSpecWarning); n != 2 {
		t.Errorf("events = %v, want two SpecWarnings (inline credentials, no dataConfigMap)", events)
	}
}

// checkConfigVolume checks the config volume and its mount.
func checkConfigVolume(t *testing.T, pod corev1.PodSpec, configMap string) {
	t.Helper()
	var found bool
	for _, v := range pod.Volumes {
		if v.Name == "fittingjob-config" && v.ConfigMap != nil && v.ConfigMap.Name == configMap {
			found = true
		}
	}
	if !found {
		t.Errorf("volumes = %+v, want fittingjob-config from ConfigMap %s", pod.Volumes, configMap)
	}
	mounts := pod.Containers[0].VolumeMounts
	if !slices.ContainsFunc(mounts, func(m corev1.VolumeMount) bool {
		return m.Name == "fittingjob-config" && m.MountPath == "/fittingjob-config"
	}) {
		t.Errorf("volume mounts = %+v, want fittingjob-config at /fittingjob-config", mounts)
	}
}

func TestScheduleFollowsExecuteOnAndKeepsItsMinute(t *testing.T) {
	ns := newNamespace(t)
	rc := startController(t, ns)
	fj := testutil.FittingJob(ns, "midnight")
	fj.Spec.ExecuteOn = ptrTo[int32](0)
	createFittingJob(t, fj)
	fj = waitReady(t, ns, fj.Name)
	minute := testutil.SpreadMinute(ns, fj.Name)
	if want := fmt.Sprintf("%d 0 * * *", minute); fj.Status.Schedule != want {
		t.Fatalf("schedule = %q, want %q (executeOn 0)", fj.Status.Schedule, want)
	}

	fj.Spec.ExecuteOn = ptrTo[int32](7)
	if _, err := ihpa.IhpaV1beta2().FittingJobs(ns).Update(context.Background(), fj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	fj = waitReady(t, ns, fj.Name)
	want := fmt.Sprintf("%d 7 * * *", minute)
	if fj.Status.Schedule != want {
		t.Fatalf("after the update: schedule = %q, want %q: the minute must not move", fj.Status.Schedule, want)
	}
	cj := getCronJob(t, ns, fj.Name)

	rc.stop()
	forgetSyncs(ns, fj.Name)
	startController(t, ns)
	waitForResyncs(t, ns, 3)
	checkSynced(t, "after a restart", ns, fj.Name)
	if after := getCronJob(t, ns, fj.Name); after.Spec.Schedule != want || after.ResourceVersion != cj.ResourceVersion {
		t.Errorf("after a restart: schedule %q (resourceVersion %s), want %q unchanged (%s)",
			after.Spec.Schedule, after.ResourceVersion, want, cj.ResourceVersion)
	}
}

// The real API server defaults many CronJob fields the generator never
// sets; a naive comparison would update forever. Nothing may be written,
// by resyncs or by a restart.
func TestSteadyStateWritesNothing(t *testing.T) {
	ns := newNamespace(t)
	rc := startController(t, ns)
	var names []string
	for _, fj := range sampleFittingJobs(t, ns) {
		createFittingJob(t, fj)
		names = append(names, fj.Name)
	}
	for _, name := range names {
		waitReady(t, ns, name)
	}
	before := resourceVersions(t, ns)

	sent := rc.requests.settle(t)
	waitForResyncs(t, ns, 3)
	if writes := rc.requests.mutatingSince(sent); len(writes) > 0 {
		t.Errorf("mutating requests over three resyncs: %v", writes)
	}
	rc.stop()

	forgetSyncs(ns, names...)
	rc = startController(t, ns)
	waitForResyncs(t, ns, 3)
	if writes := rc.requests.mutatingSince(0); len(writes) > 0 {
		t.Errorf("mutating requests after a restart: %v", writes)
	}
	checkSynced(t, "after a restart", ns, names...)
	if diff := cmp.Diff(before, resourceVersions(t, ns)); diff != "" {
		t.Errorf("resourceVersions moved in steady state (-before +after):\n%s", diff)
	}
}

// sampleFittingJobs are the shipped samples plus the original one, moved
// into namespace.
func sampleFittingJobs(t *testing.T, namespace string) []*ihpav1beta2.FittingJob {
	var fjs []*ihpav1beta2.FittingJob
	for _, path := range []string{
		"manifests/samples/original/fittingjob.yaml",
		"manifests/samples/datadog/fittingjob.yaml",
		"manifests/samples/prometheus/fittingjob.yaml",
		"manifests/samples/schedule/fittingjob.yaml",
		"manifests/samples/restricted/fittingjob.yaml",
	} {
		fj := loadFittingJob(t, path)
		fj.Namespace = namespace
		fjs = append(fjs, fj)
	}
	rich := testutil.FittingJob(namespace, "rich")
	rich.Spec.Volumes = []corev1.Volume{
		{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "extra", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "extra"}}}},
	}
	rich.Spec.Env = []corev1.EnvVar{{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}}
	rich.Spec.Tolerations = []corev1.Toleration{{Key: "batch", Operator: corev1.TolerationOpExists}}
	rich.Spec.ImagePullPolicy = corev1.PullIfNotPresent
	return append(fjs, rich)
}

// resourceVersions maps every FittingJob, ConfigMap and CronJob of the
// namespace to its resourceVersion.
func resourceVersions(t *testing.T, namespace string) map[string]string {
	t.Helper()
	ctx := context.Background()
	versions := map[string]string{}
	fjs, err := ihpa.IhpaV1beta2().FittingJobs(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range fjs.Items {
		versions["FittingJob/"+o.Name] = o.ResourceVersion
	}
	cms, err := kube.CoreV1().ConfigMaps(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range cms.Items {
		versions["ConfigMap/"+o.Name] = o.ResourceVersion
	}
	cjs, err := kube.BatchV1().CronJobs(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range cjs.Items {
		versions["CronJob/"+o.Name] = o.ResourceVersion
	}
	return versions
}

func TestDriftIsRepaired(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := testutil.FittingJob(ns, "drift")
	fj.Spec.Image = "fitting:v1"
	createFittingJob(t, fj)
	fj = waitReady(t, ns, fj.Name)
	wantCM := getConfigMap(t, ns, "drift-config")
	wantCJ := getCronJob(t, ns, "drift")
	ctx := context.Background()

	tests := []struct {
		name  string
		drift func(cm *corev1.ConfigMap, cj *batchv1.CronJob) error
	}{
		{"image edited", func(_ *corev1.ConfigMap, cj *batchv1.CronJob) error {
			cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image = "evil:latest"
			return updateCronJob(ctx, cj)
		}},
		{"schedule edited", func(_ *corev1.ConfigMap, cj *batchv1.CronJob) error {
			cj.Spec.Schedule = "* * * * *"
			return updateCronJob(ctx, cj)
		}},
		{"config.json edited", func(cm *corev1.ConfigMap, _ *batchv1.CronJob) error {
			cm.Data["config.json"] = `{}`
			return updateConfigMap(ctx, cm)
		}},
		{"ConfigMap label removed", func(cm *corev1.ConfigMap, _ *batchv1.CronJob) error {
			cm.Labels = nil
			return updateConfigMap(ctx, cm)
		}},
		{"CronJob label removed", func(_ *corev1.ConfigMap, cj *batchv1.CronJob) error {
			cj.Labels = nil
			return updateCronJob(ctx, cj)
		}},
		{"ConfigMap owner reference removed", func(cm *corev1.ConfigMap, _ *batchv1.CronJob) error {
			cm.OwnerReferences = nil
			return updateConfigMap(ctx, cm)
		}},
		{"CronJob owner reference removed", func(_ *corev1.ConfigMap, cj *batchv1.CronJob) error {
			cj.OwnerReferences = nil
			return updateCronJob(ctx, cj)
		}},
		{"ConfigMap deleted", func(cm *corev1.ConfigMap, _ *batchv1.CronJob) error {
			return kube.CoreV1().ConfigMaps(ns).Delete(ctx, cm.Name, metav1.DeleteOptions{})
		}},
		{"CronJob deleted", func(_ *corev1.ConfigMap, cj *batchv1.CronJob) error {
			return kube.BatchV1().CronJobs(ns).Delete(ctx, cj.Name, metav1.DeleteOptions{})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.drift(getConfigMap(t, ns, "drift-config"), getCronJob(t, ns, "drift")); err != nil {
				t.Fatal(err)
			}
			eventually(t, 30*time.Second, "the children to be restored", func(ctx context.Context) (bool, error) {
				cm, err := kube.CoreV1().ConfigMaps(ns).Get(ctx, "drift-config", metav1.GetOptions{})
				if apierrors.IsNotFound(err) {
					return false, nil
				}
				if err != nil {
					return false, err
				}
				cj, err := kube.BatchV1().CronJobs(ns).Get(ctx, "drift", metav1.GetOptions{})
				if apierrors.IsNotFound(err) {
					return false, nil
				}
				if err != nil {
					return false, err
				}
				return sameOwned(wantCM, cm, wantCJ, cj), nil
			})
		})
	}
}

// sameOwned compares what the controller owns of the children.
func sameOwned(wantCM, cm *corev1.ConfigMap, wantCJ, cj *batchv1.CronJob) bool {
	return maps.Equal(wantCM.Data, cm.Data) &&
		hasLabels(cm.Labels, wantCM.Labels) && hasLabels(cj.Labels, wantCJ.Labels) &&
		cmp.Equal(wantCM.OwnerReferences, cm.OwnerReferences) &&
		cmp.Equal(wantCJ.OwnerReferences, cj.OwnerReferences) &&
		cmp.Equal(wantCJ.Spec, cj.Spec)
}

func TestObjectsItDoesNotControlAreLeftAlone(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	foreignCM, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "taken-config"},
		Data:       map[string]string{"mine": "yes"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc := startController(t, ns)
	fj := createFittingJob(t, testutil.FittingJob(ns, "taken"))
	fj = waitCondition(t, ns, fj.Name, metav1.ConditionFalse, ihpav1beta2.ReasonConfigMapConflict)

	// No hot loop: over three resyncs nothing is written, the status
	// included, and the foreign ConfigMap is untouched.
	sent := rc.requests.settle(t)
	waitForResyncs(t, ns, 3)
	if writes := rc.requests.mutatingSince(sent); len(writes) > 0 {
		t.Errorf("mutating requests while in conflict: %v", writes)
	}
	if cm := getConfigMap(t, ns, "taken-config"); cm.ResourceVersion != foreignCM.ResourceVersion {
		t.Errorf("the foreign ConfigMap was modified: %+v", cm)
	}
	if events := eventsFor(t, fj); count(events, "Warning "+ihpav1beta2.ReasonConfigMapConflict) != 1 {
		t.Errorf("events = %v, want one Warning ConfigMapConflict", events)
	}

	// Once the name is free, the next resync creates the child.
	if err := kube.CoreV1().ConfigMaps(ns).Delete(ctx, "taken-config", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ns, fj.Name)
}

func TestDeletingAFittingJobRemovesItsChildren(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := createFittingJob(t, testutil.FittingJob(ns, "doomed"))
	waitReady(t, ns, fj.Name)

	if err := ihpa.IhpaV1beta2().FittingJobs(ns).Delete(context.Background(), fj.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "garbage collection of the children", func(ctx context.Context) (bool, error) {
		_, cmErr := kube.CoreV1().ConfigMaps(ns).Get(ctx, "doomed-config", metav1.GetOptions{})
		_, cjErr := kube.BatchV1().CronJobs(ns).Get(ctx, "doomed", metav1.GetOptions{})
		return apierrors.IsNotFound(cmErr) && apierrors.IsNotFound(cjErr), nil
	})
}

// A Job made from the CronJob, as `kubectl create job --from=cronjob/NAME`
// makes it, runs the fitting container with its configuration mounted.
func TestManualRunFromTheCronJob(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := createFittingJob(t, testutil.FittingJob(ns, "manual"))
	waitReady(t, ns, fj.Name)
	cj := getCronJob(t, ns, "manual")

	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "manual-run",
			Annotations: map[string]string{"cronjob.kubernetes.io/instantiate": "manual"},
			Labels:      cj.Spec.JobTemplate.Labels,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: ptrTo(true),
			}},
		},
		Spec: cj.Spec.JobTemplate.Spec,
	}
	created, err := kube.BatchV1().Jobs(ns).Create(context.Background(), job, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating a Job from the CronJob: %v", err)
	}
	checkConfigVolume(t, created.Spec.Template.Spec, "manual-config")
}

func TestInvalidFittingJobsAreRefused(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name   string
		mutate func(fj *ihpav1beta2.FittingJob)
		// field must appear in the API server's message, and says too
		// when set.
		field, says string
	}{
		{"executeOn 24", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ExecuteOn = ptrTo[int32](24) }, "spec.executeOn", ""},
		{"executeOn -1", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ExecuteOn = ptrTo[int32](-1) }, "spec.executeOn", ""},
		{"percentageThreshold 0", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig = &ihpav1beta2.ChangePointDetectionConfig{PercentageThreshold: ptrTo[int32](0)}
		}, "spec.changePointDetectionConfig.percentageThreshold", ""},
		{"percentageThreshold 100", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig = &ihpav1beta2.ChangePointDetectionConfig{PercentageThreshold: ptrTo[int32](100)}
		}, "spec.changePointDetectionConfig.percentageThreshold", ""},
		{"windowSize 0", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig = &ihpav1beta2.ChangePointDetectionConfig{WindowSize: ptrTo[int32](0)}
		}, "spec.changePointDetectionConfig.windowSize", ""},
		{"lag 0", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ChangePointDetectionConfig = &ihpav1beta2.ChangePointDetectionConfig{Lag: ptrTo[int32](0)}
		}, "spec.changePointDetectionConfig.lag", ""},
		{"unknown seasonality", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Seasonality = "hourly" }, "spec.seasonality", ""},
		{"both providers", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{APIKey: "a", AppKey: "b"}
		}, "spec.provider", ""},
		{"no provider", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Provider = ihpav1beta2.Provider{} }, "spec.provider", ""},
		{"metric without a name", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Metric.Name = "" }, "spec.metric.name", ""},
		{"53-character name", func(fj *ihpav1beta2.FittingJob) { fj.Name = strings.Repeat("a", 53) }, "metadata.name", ""},
		{"volume named fittingjob-config", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Volumes = []corev1.Volume{{Name: "fittingjob-config", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		}, "spec.volumes", ""},
		{"volume named fittingjob-configmap", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Volumes = []corev1.Volume{{Name: "fittingjob-configmap", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		}, "spec.volumes", ""},
		{"matchExpressions in the metric selector", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Metric.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpExists}}}
		}, "spec.metric.selector", ""},
		{"unknown concurrencyPolicy", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ConcurrencyPolicy = "Sometimes" }, "spec.concurrencyPolicy", ""},
		{"datadog without keys", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider = ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{}}
		}, "spec.provider.datadog", ""},

		{"schedule separated by newlines", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = "0\n4\n*\n*\n*" }, "spec.schedule", "spaces or tabs"},
		{"schedule separated by no-break spaces", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = "0\u00a04\u00a0*\u00a0*\u00a0*" }, "spec.schedule", "spaces or tabs"},
		{"schedule with a TZ= prefix and no space, on which robfig/cron panics", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Schedule = "TZ=UTC\t0\t4\t*\t*"
		}, "spec.schedule", "spec.timeZone"},
		{"schedule with a CRON_TZ= prefix", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = "CRON_TZ=Asia/Tokyo 0 4 * * *" }, "spec.schedule", "spec.timeZone"},
		{"schedule @every", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = "@every 1h" }, "spec.schedule", "@hourly"},
		{"schedule of 513 characters", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Schedule = "0" + strings.Repeat(",0", 252) + " 4 * * *"
		}, "spec.schedule", "512"},
		{"timeZone Local", func(fj *ihpav1beta2.FittingJob) { fj.Spec.TimeZone = ptrTo("Local") }, "spec.timeZone", "Local"},
		{"timeZone with an empty part", func(fj *ihpav1beta2.FittingJob) { fj.Spec.TimeZone = ptrTo("Asia//Tokyo") }, "spec.timeZone", "tz database"},
		{"timeZone of 65 characters", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.TimeZone = ptrTo(strings.Repeat("Abcdefghijklm/", 4) + "Abcdefghi")
		}, "spec.timeZone", "64"},
		{"the config ConfigMap as the data ConfigMap", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: fj.Name + "-config"}
		}, "spec.dataConfigMap.name", "rewrites"},
		{"dataConfigMap name that is no ConfigMap name", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: "Forecast"}
		}, "spec.dataConfigMap.name", "ConfigMap name"},
		{"serviceAccountName that is no ServiceAccount name", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ServiceAccountName = "IHPA" },
			"spec.serviceAccountName", "ServiceAccount name"},
		{"metric name of 1025 characters", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Metric.Name = strings.Repeat("m", 1025) },
			"spec.metric.name", "1024"},
		{"activeDeadlineSeconds beyond a time.Duration", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.ActiveDeadlineSeconds = ptrTo(ihpav1beta2.MaxDurationSeconds + 1)
		}, "spec.activeDeadlineSeconds", "292 years"},
		{"startingDeadlineSeconds beyond a time.Duration", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.StartingDeadlineSeconds = ptrTo[int64](math.MaxInt64)
		}, "spec.startingDeadlineSeconds", "292 years"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fj := testutil.FittingJob(ns, "invalid")
			tc.mutate(fj)
			_, err := ihpa.IhpaV1beta2().FittingJobs(ns).Create(context.Background(), fj, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want the API server to refuse it as invalid, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("the message does not name %s: %v", tc.field, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("the message does not say %q: %v", tc.says, err)
			}
		})
	}

	// What is valid and works stays valid: the samples, the original
	// project's among them, and values at the new limits.
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	for _, fj := range sampleFittingJobs(t, ns) {
		if _, err := ihpa.IhpaV1beta2().FittingJobs(ns).Create(context.Background(), fj, dryRun); err != nil {
			t.Errorf("sample %s is refused: %v", fj.Name, err)
		}
	}
	atTheLimits := testutil.FittingJob(ns, strings.Repeat("l", 52))
	atTheLimits.Spec.Schedule = "00,01,02,03,04,05,06,07,08,09,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29," +
		"30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59 " +
		"00,01,02,03,04,05,06,07,08,09,10,11,12,13,14,15,16,17,18,19,20,21,22,23 " +
		"01,02,03,04,05,06,07,08,09,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31 " +
		"JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC SUN,MON,TUE,WED,THU,FRI,SAT"
	atTheLimits.Spec.TimeZone = ptrTo("America/Argentina/ComodRivadavia")
	atTheLimits.Spec.Metric.Name = strings.Repeat("é", 1024)
	atTheLimits.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: atTheLimits.Name + "-config-data"}
	atTheLimits.Spec.ServiceAccountName = "ihpa.web-1"
	atTheLimits.Spec.ActiveDeadlineSeconds = ptrTo(ihpav1beta2.MaxDurationSeconds)
	atTheLimits.Spec.StartingDeadlineSeconds = ptrTo(ihpav1beta2.MaxDurationSeconds)
	if _, err := ihpa.IhpaV1beta2().FittingJobs(ns).Create(context.Background(), atTheLimits, dryRun); err != nil {
		t.Errorf("a FittingJob at the limits is refused: %v", err)
	}

	// And the defaults are applied to what is accepted.
	fj := createFittingJob(t, testutil.FittingJob(ns, "defaulted"))
	fj.Spec.ChangePointDetectionConfig = &ihpav1beta2.ChangePointDetectionConfig{}
	fj, err := ihpa.IhpaV1beta2().FittingJobs(ns).Update(context.Background(), fj, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantCPD := &ihpav1beta2.ChangePointDetectionConfig{
		PercentageThreshold: ptrTo[int32](50), WindowSize: ptrTo[int32](100), TrajectoryRows: ptrTo[int32](50),
		TrajectoryFeatures: ptrTo[int32](5), TestRows: ptrTo[int32](50), TestFeatures: ptrTo[int32](5), Lag: ptrTo[int32](288),
	}
	if diff := cmp.Diff(wantCPD, fj.Spec.ChangePointDetectionConfig); diff != "" {
		t.Errorf("changePointDetectionConfig defaults (-want +got):\n%s", diff)
	}
	if fj.Spec.Seasonality != ihpav1beta2.SeasonalityAuto || fj.Spec.ExecuteOn == nil || *fj.Spec.ExecuteOn != 4 ||
		fj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("defaults: seasonality %q, executeOn %v, concurrencyPolicy %q; want auto, 4, Forbid",
			fj.Spec.Seasonality, fj.Spec.ExecuteOn, fj.Spec.ConcurrencyPolicy)
	}
}

// What the schema cannot check, the API server refuses on the CronJob: the
// FittingJob reports it instead of the controller retrying forever.
func TestRefusedChildIsReported(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := testutil.FittingJob(ns, "mars")
	fj.Spec.TimeZone = ptrTo("Mars/Olympus_Mons")
	fj = createFittingJob(t, fj)
	fj = waitCondition(t, ns, fj.Name, metav1.ConditionFalse, "CronJobRejected")
	if events := eventsFor(t, fj); count(events, "Warning "+ihpav1beta2.ReasonCronJobRejected) != 1 {
		t.Errorf("events = %v, want one Warning CronJobRejected", events)
	}
}

func getConfigMap(t *testing.T, namespace, name string) *corev1.ConfigMap {
	t.Helper()
	cm, err := kube.CoreV1().ConfigMaps(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

func getCronJob(t testing.TB, namespace, name string) *batchv1.CronJob {
	t.Helper()
	cj, err := kube.BatchV1().CronJobs(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cj
}

func updateConfigMap(ctx context.Context, cm *corev1.ConfigMap) error {
	_, err := kube.CoreV1().ConfigMaps(cm.Namespace).Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

func updateCronJob(ctx context.Context, cj *batchv1.CronJob) error {
	_, err := kube.BatchV1().CronJobs(cj.Namespace).Update(ctx, cj, metav1.UpdateOptions{})
	return err
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func count(items []string, item string) int {
	n := 0
	for _, i := range items {
		if i == item {
			n++
		}
	}
	return n
}

func ptrTo[T any](v T) *T { return &v }
