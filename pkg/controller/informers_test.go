package controller

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// TestCachedObjectsDropWhatIsNeverRead: managedFields go from every cached
// object, the last-applied annotation from FittingJobs only (a child's
// update starts from its cached copy and must keep others' annotations).
func TestCachedObjectsDropWhatIsNeverRead(t *testing.T) {
	meta := func() metav1.ObjectMeta {
		return metav1.ObjectMeta{
			Name:          "web-config",
			Labels:        map[string]string{ihpav1beta2.ManagedByLabel: ihpav1beta2.ManagedByValue},
			Annotations:   map[string]string{corev1.LastAppliedConfigAnnotation: "{...}", "team": "a"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
		}
	}
	fj, err := DropFittingJobFields(&ihpav1beta2.FittingJob{ObjectMeta: meta()})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := TrimForCache(&corev1.ConfigMap{ObjectMeta: meta()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name            string
		obj             metav1.Object
		wantAnnotations int
	}{
		{"FittingJob", fj.(metav1.Object), 1},
		{"ConfigMap", cm.(metav1.Object), 2},
	} {
		if tc.obj.GetManagedFields() != nil {
			t.Errorf("%s: managedFields kept", tc.name)
		}
		if got := len(tc.obj.GetAnnotations()); got != tc.wantAnnotations || tc.obj.GetAnnotations()["team"] != "a" {
			t.Errorf("%s: annotations %v, want %d with team=a", tc.name, tc.obj.GetAnnotations(), tc.wantAnnotations)
		}
	}
}

// Anyone who can create a ConfigMap, Job or Pod can put the managed-by
// label on it. What the cache keeps of each is bounded whatever its
// author put in it; a FittingJob's own children are kept whole.
func TestCachedObjectsAreBounded(t *testing.T) {
	fj := newFittingJob("web")
	child := asStored(desiredConfigMap(t, fj))
	child.Data["padding"] = strings.Repeat("x", 512*1024)

	foreign := hostileConfigMap("web-config", &metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "d", Controller: ptr.To(true)})
	misnamed := hostileConfigMap("other", ptr.To(generator.OwnerReference(fj)))
	foreignCronJob := asStored(desiredCronJob(t, fj))
	foreignCronJob.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "d", Controller: ptr.To(true)}}
	foreignCronJob.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env = hostileEnv()

	for _, tc := range []struct {
		name     string
		obj      interface{ Size() int }
		maxBytes int
	}{
		{"a ConfigMap another controller owns", foreign, 1024},
		{"a ConfigMap that is no FittingJob's child by name", misnamed, 1024},
		{"a CronJob another controller owns", foreignCronJob, 1024},
		{"a Job with a huge template and annotations", hostileJob(fj), 2 * 1024},
		{"a Pod with a huge spec and long termination messages", hostilePod(fj), 16 * 1024},
		{"a FailedCreate event quoting a long refusal", hostileFailedCreate(fj), 1536},
	} {
		before := tc.obj.Size()
		trimmed, err := TrimForCache(tc.obj)
		if err != nil {
			t.Fatal(err)
		}
		after := trimmed.(interface{ Size() int }).Size()
		t.Logf("%s: %d bytes, %d cached", tc.name, before, after)
		if after > tc.maxBytes {
			t.Errorf("%s: %d bytes cached, want at most %d", tc.name, after, tc.maxBytes)
		}
	}

	kept, err := TrimForCache(child.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	if kept.(*corev1.ConfigMap).Data["padding"] != child.Data["padding"] {
		t.Error("the FittingJob's own ConfigMap lost its data in the cache: its sync would rewrite it")
	}
}

func hostileConfigMap(name string, controller *metav1.OwnerReference) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "tenant", Name: name,
			Labels:          map[string]string{ihpav1beta2.ManagedByLabel: ihpav1beta2.ManagedByValue},
			Annotations:     map[string]string{"big": strings.Repeat("a", 200*1024)},
			OwnerReferences: []metav1.OwnerReference{*controller},
		},
		Data: map[string]string{"data": strings.Repeat("d", 900*1024)},
	}
}

func hostileFailedCreate(fj *ihpav1beta2.FittingJob) *corev1.Event {
	event := failedCreate(hostileJob(fj), runStart.Time, "Error creating: "+strings.Repeat("refused ", 4096))
	event.Annotations = map[string]string{"big": strings.Repeat("a", 200*1024)}
	event.Source = corev1.EventSource{Component: "job-controller"}
	event.ReportingController, event.ReportingInstance = "job-controller", strings.Repeat("i", 128)
	return event
}

func hostileEnv() []corev1.EnvVar {
	env := make([]corev1.EnvVar, 200)
	for i := range env {
		env[i] = corev1.EnvVar{Name: fmt.Sprintf("VAR_%d", i), Value: strings.Repeat("v", 512)}
	}
	return env
}

func hostileJob(fj *ihpav1beta2.FittingJob) *batchv1.Job {
	job := runJob(fj, "web-manual", runStart, failed(runStart))
	job.Annotations["big"] = strings.Repeat("a", 200*1024)
	job.Spec.ActiveDeadlineSeconds = ptr.To[int64](600)
	job.Spec.Template.Spec.Containers = []corev1.Container{{Name: "fittingjob", Image: "x", Env: hostileEnv()}}
	return job
}

func hostilePod(fj *ihpav1beta2.FittingJob) *corev1.Pod {
	job := hostileJob(fj)
	status := terminated("Error", 1, strings.Repeat("m", 4096))
	pod := runPod(job, "web-manual-abcde", status)
	pod.Annotations = map[string]string{"big": strings.Repeat("a", 200*1024)}
	pod.Spec = job.Spec.Template.Spec
	return pod
}

// BenchmarkCacheFootprint measures the heap the informer caches hold per
// FittingJob, through the same transforms as production: its FittingJob,
// ConfigMap and CronJob, and a history of Jobs each with one Pod. "typical"
// is a sample FittingJob; "worst" has the largest customConfig admission
// takes (1 MiB less what the rest of config.json needs) and hostile Jobs
// and Pods as above.
func BenchmarkCacheFootprint(b *testing.B) {
	for _, worst := range []bool{false, true} {
		name := "typical"
		if worst {
			name = "worst"
		}
		b.Run(name, func(b *testing.B) {
			const fittingJobs, runsEach = 50, 4
			for range b.N {
				indexers := map[string]cache.Indexer{}
				for _, kind := range []string{"fj", "cm", "cj", "job", "pod"} {
					indexers[kind] = cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
				}
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				for i := range fittingJobs {
					fillCaches(b, indexers, fmt.Sprintf("fj-%03d", i), worst, runsEach)
				}
				runtime.GC()
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/fittingJobs, "heap-bytes/FittingJob")
				runtime.KeepAlive(indexers)
			}
		})
	}
}

func fillCaches(b *testing.B, indexers map[string]cache.Indexer, name string, worst bool, runs int) {
	fj := newFittingJob(name)
	fj.UID = types.UID(name + "-uid")
	if worst {
		fj.Spec.CustomConfig = strings.Repeat("c", 1000*1024)
		fj.Spec.Env = hostileEnv()
	}
	children := desired(b, fj)
	add := func(kind string, obj any) {
		trimmed, err := TrimForCache(obj)
		if err != nil {
			b.Fatal(err)
		}
		if err := indexers[kind].Add(trimmed); err != nil {
			b.Fatal(err)
		}
	}
	if err := indexers["fj"].Add(fj); err != nil {
		b.Fatal(err)
	}
	add("cm", children.ConfigMap)
	add("cj", children.CronJob)
	for r := range runs {
		job := runJob(fj, fmt.Sprintf("%s-%d", name, r), metav1.NewTime(runStart.Add(time.Duration(r)*24*time.Hour)), completed(runStart))
		pod := runPod(job, job.Name+"-pod", terminated("Completed", 0, ""))
		if worst {
			job, pod = hostileJob(fj), hostilePod(fj)
			job.Name, pod.Name = fmt.Sprintf("%s-%d", name, r), fmt.Sprintf("%s-%d-pod", name, r)
		}
		add("job", job)
		add("pod", pod)
	}
}
