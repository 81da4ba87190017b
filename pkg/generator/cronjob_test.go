package generator

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// configVolume and configMount are what every fitting Pod without
// keysFrom gets last.
func configVolume(cmName string) corev1.Volume {
	return corev1.Volume{Name: "fittingjob-config", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: cmName}},
	}}
}

// keysVolumesFor are, with keysFrom, the config volume in memory, which
// the init container fills, and the ConfigMap's volume it reads.
func keysVolumesFor(cmName string) []corev1.Volume {
	return []corev1.Volume{
		{Name: "fittingjob-config", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
			Medium: corev1.StorageMediumMemory, SizeLimit: ptrTo(resource.MustParse("4Mi")),
		}}},
		{Name: "fittingjob-configmap", VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: cmName}},
		}},
	}
}

// keysInitContainer is, with keysFrom, the init container that completes
// config.json: it alone receives keysFrom besides the fitting container,
// and passes the restricted Pod Security Standard on its own.
// keys_test.go runs its script.
func keysInitContainer(keysFrom []corev1.EnvFromSource) corev1.Container {
	return corev1.Container{
		Name:       "datadog-keys",
		Image:      "docker.io/library/busybox:1.37",
		Command:    []string{"sh", "-c", keysScript},
		WorkingDir: "/",
		EnvFrom:    keysFrom,
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "fittingjob-configmap", MountPath: "/fittingjob-configmap", ReadOnly: true},
			{Name: "fittingjob-config", MountPath: "/fittingjob-config"},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext: &corev1.SecurityContext{
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			RunAsUser:                ptrTo[int64](65534),
			RunAsGroup:               ptrTo[int64](65534),
			RunAsNonRoot:             ptrTo(true),
			ReadOnlyRootFilesystem:   ptrTo(true),
			AllowPrivilegeEscalation: ptrTo(false),
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
}

// runMeta is the metadata of the job and Pod templates: the labels that
// let the controller and `kubectl logs -l` find a run's Job and Pods.
func runMeta(fittingJob string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: map[string]string{
		"app.kubernetes.io/managed-by":         "fittingjob-controller",
		"ihpa.ake.cyberagent.co.jp/fittingjob": fittingJob,
	}}
}

var configMount = corev1.VolumeMount{Name: "fittingjob-config", MountPath: "/fittingjob-config"}

// TestCronJobRich spells out the whole CronJob for a FittingJob that sets
// every field the generator copies, Datadog keys from keysFrom included.
func TestCronJobRich(t *testing.T) {
	fj := richFixture()
	in := richFixture() // an untouched copy to build the expectation from
	want := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{
			Name:            "ihpa-web-cpu",
			Namespace:       "team-a",
			Labels:          map[string]string{"app.kubernetes.io/managed-by": "fittingjob-controller"},
			OwnerReferences: []metav1.OwnerReference{OwnerReference(fj)},
		},
		Spec: batchv1.CronJobSpec{
			Schedule:                   "30 2 * * 1", // spec.schedule wins over executeOn
			TimeZone:                   ptrTo("Asia/Tokyo"),
			StartingDeadlineSeconds:    ptrTo[int64](300),
			ConcurrencyPolicy:          batchv1.ReplaceConcurrent,
			Suspend:                    ptrTo(true),
			SuccessfulJobsHistoryLimit: ptrTo[int32](1),
			FailedJobsHistoryLimit:     ptrTo[int32](5),
			JobTemplate: batchv1.JobTemplateSpec{ObjectMeta: runMeta("ihpa-web-cpu"), Spec: batchv1.JobSpec{
				ActiveDeadlineSeconds: ptrTo[int64](3600),
				BackoffLimit:          ptrTo[int32](2),
				Completions:           ptrTo[int32](1),
				Template: corev1.PodTemplateSpec{ObjectMeta: runMeta("ihpa-web-cpu"), Spec: corev1.PodSpec{
					Affinity:           in.Spec.Affinity,
					ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "pull-secret"}},
					NodeSelector:       map[string]string{"kubernetes.io/os": "linux"},
					ServiceAccountName: "ihpa-web",
					SecurityContext:    in.Spec.PodSecurityContext,
					Tolerations:        in.Spec.Tolerations,
					RestartPolicy:      corev1.RestartPolicyOnFailure,
					Volumes: append([]corev1.Volume{
						in.Spec.Volumes[0], // cache
						in.Spec.Volumes[1], // certs
					}, keysVolumesFor("ihpa-web-cpu-config")...),
					InitContainers: []corev1.Container{keysInitContainer(in.Spec.Provider.Datadog.KeysFrom)},
					Containers: []corev1.Container{{
						Name:    "fittingjob",
						Image:   "cyberagentoss/intelligent-hpa-fittingjob:latest",
						Command: []string{"python", "train.py"},
						Args:    []string{"--verbose"},
						Env:     in.Spec.Env,
						EnvFrom: []corev1.EnvFromSource{
							in.Spec.EnvFrom[0],                   // the spec's envFrom first,
							in.Spec.Provider.Datadog.KeysFrom[0], // then the Datadog keys
						},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
						},
						// The config volume, the emptyDir here, where the
						// fitting container always finds config.json.
						VolumeMounts: []corev1.VolumeMount{
							{Name: "cache", MountPath: "/cache"},
							{Name: "certs", MountPath: "/certs"},
							configMount,
						},
						ImagePullPolicy: corev1.PullIfNotPresent,
						SecurityContext: in.Spec.SecurityContext,
					}},
				}},
			}},
		},
	}
	want.Annotations = map[string]string{ihpav1beta2.SpecHashAnnotation: specHash(&want.Spec)}
	if diff := cmp.Diff(want, desired(t, fj).CronJob); diff != "" {
		t.Errorf("CronJob (-want +got):\n%s", diff)
	}
}

// TestCronJobMinimal is the other end: a FittingJob that sets nothing the
// generator copies still gets a runnable CronJob with the defaults.
func TestCronJobMinimal(t *testing.T) {
	fj := &ihpav1beta2.FittingJob{
		ObjectMeta: metav1.ObjectMeta{Name: "fj", Namespace: "ns", UID: "uid-1"},
		Spec: ihpav1beta2.FittingJobSpec{
			Metric:   ihpav1beta2.MetricIdentifier{Name: "m"},
			Provider: ihpav1beta2.Provider{Prometheus: &ihpav1beta2.PrometheusProvider{URL: "http://p"}},
		},
	}
	want := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{
			Name:            "fj",
			Namespace:       "ns",
			Labels:          map[string]string{"app.kubernetes.io/managed-by": "fittingjob-controller"},
			OwnerReferences: []metav1.OwnerReference{OwnerReference(fj)},
		},
		Spec: batchv1.CronJobSpec{
			Schedule:          Schedule(fj),
			ConcurrencyPolicy: batchv1.ForbidConcurrent,
			JobTemplate: batchv1.JobTemplateSpec{ObjectMeta: runMeta("fj"), Spec: batchv1.JobSpec{
				Template: corev1.PodTemplateSpec{ObjectMeta: runMeta("fj"), Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyOnFailure,
					Volumes:       []corev1.Volume{configVolume("fj-config")},
					Containers: []corev1.Container{{
						Name:         "fittingjob",
						Image:        "cyberagentoss/intelligent-hpa-fittingjob:latest",
						VolumeMounts: []corev1.VolumeMount{configMount},
					}},
				}},
			}},
		},
	}
	want.Annotations = map[string]string{ihpav1beta2.SpecHashAnnotation: specHash(&want.Spec)}
	if diff := cmp.Diff(want, desired(t, fj).CronJob); diff != "" {
		t.Errorf("CronJob (-want +got):\n%s", diff)
	}
}

// With a queue, every run's Job is created suspended and carries Kueue's
// queue label, so that Kueue decides when it starts; the Pods are as
// without one. Without a queue the Job template has neither.
func TestCronJobQueue(t *testing.T) {
	fj := testutil.FittingJob("ns", "fj")
	unqueued := desired(t, fj).CronJob.Spec.JobTemplate
	if unqueued.Spec.Suspend != nil || unqueued.Labels[ihpav1beta2.KueueQueueLabel] != "" {
		t.Fatalf("without a queue the Job template has suspend %v and labels %v", unqueued.Spec.Suspend, unqueued.Labels)
	}

	fj.Spec.QueueName = "fits"
	queued := desired(t, fj).CronJob.Spec.JobTemplate
	want := unqueued.DeepCopy()
	want.Labels[ihpav1beta2.KueueQueueLabel] = "fits"
	want.Spec.Suspend = ptrTo(true)
	if diff := cmp.Diff(want, &queued); diff != "" {
		t.Errorf("Job template with queue fits (-want +got):\n%s", diff)
	}
	// The Jobs made from each template are told apart by WaitsForKueue.
	for _, tc := range []struct {
		template batchv1.JobTemplateSpec
		waits    bool
	}{{unqueued, false}, {queued, true}} {
		job := &batchv1.Job{ObjectMeta: tc.template.ObjectMeta, Spec: tc.template.Spec}
		if got := WaitsForKueue(job); got != tc.waits {
			t.Errorf("WaitsForKueue(a Job of a template labelled %v) = %v, want %v", tc.template.Labels, got, tc.waits)
		}
	}
}

func TestCronJobImage(t *testing.T) {
	for _, tc := range []struct{ image, want string }{
		{"", "cyberagentoss/intelligent-hpa-fittingjob:latest"},
		{"your-job-image:v1", "your-job-image:v1"},
	} {
		fj := prometheusFixture()
		fj.Spec.Image = tc.image
		if got := desired(t, fj).CronJob.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image; got != tc.want {
			t.Errorf("image %q: container image = %q, want %q", tc.image, got, tc.want)
		}
	}
}

func TestCronJobConcurrencyPolicy(t *testing.T) {
	for _, tc := range []struct {
		spec, want batchv1.ConcurrencyPolicy
	}{
		{"", batchv1.ForbidConcurrent},
		{batchv1.AllowConcurrent, batchv1.AllowConcurrent},
		{batchv1.ForbidConcurrent, batchv1.ForbidConcurrent},
		{batchv1.ReplaceConcurrent, batchv1.ReplaceConcurrent},
	} {
		fj := prometheusFixture()
		fj.Spec.ConcurrencyPolicy = tc.spec
		if got := desired(t, fj).CronJob.Spec.ConcurrencyPolicy; got != tc.want {
			t.Errorf("spec %q: concurrencyPolicy = %q, want %q", tc.spec, got, tc.want)
		}
	}
}

// TestCronJobEnvFrom pins the order (spec envFrom, then keysFrom) and that
// no empty list appears where an API server would return none (cmp tells
// nil from empty).
func TestCronJobEnvFrom(t *testing.T) {
	common := corev1.EnvFromSource{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "common"}}}
	keys := corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "datadog-keys"}}}
	for _, tc := range []struct {
		name     string
		envFrom  []corev1.EnvFromSource
		provider ihpav1beta2.Provider
		want     []corev1.EnvFromSource
	}{
		{"neither", nil, ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{APIKey: "a", AppKey: "b"}}, nil},
		{"envFrom only", []corev1.EnvFromSource{common}, ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{APIKey: "a", AppKey: "b"}}, []corev1.EnvFromSource{common}},
		{"keysFrom only", nil, ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{KeysFrom: []corev1.EnvFromSource{keys}}}, []corev1.EnvFromSource{keys}},
		{"envFrom then keysFrom", []corev1.EnvFromSource{common}, ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{KeysFrom: []corev1.EnvFromSource{keys}}}, []corev1.EnvFromSource{common, keys}},
		{"prometheus", []corev1.EnvFromSource{common}, ihpav1beta2.Provider{Prometheus: &ihpav1beta2.PrometheusProvider{URL: "http://p"}}, []corev1.EnvFromSource{common}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := prometheusFixture()
			fj.Spec.EnvFrom = tc.envFrom
			fj.Spec.Provider = tc.provider
			got := desired(t, fj).CronJob.Spec.JobTemplate.Spec.Template.Spec.Containers[0].EnvFrom
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("envFrom (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCronJobScheduleFollowsSchedule ties the CronJob to Schedule, which
// schedule_test.go covers in detail.
func TestCronJobScheduleFollowsSchedule(t *testing.T) {
	fj := compatibilityFixture(t)
	if got, want := desired(t, fj).CronJob.Spec.Schedule, "5 12 * * *"; got != want {
		t.Errorf("schedule = %q, want %q", got, want)
	}
}

// BenchmarkDesired is the generator's share of a sync that must generate
// (the controller skips it for FittingJobs it has already verified).
func BenchmarkDesired(b *testing.B) {
	fj := compatibilityFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := Desired(fj); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
