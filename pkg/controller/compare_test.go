package controller

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// apimachinery's equality.Semantic.DeepDerivative also ignores what the
// desired object leaves unset, but it takes a live list longer than the
// desired one as in sync: an environment variable or a volume that another
// writer appended to the CronJob would stay there for good. cronJobSpecInSync
// puts it back in line.
func TestCronJobSpecInSyncRefusesWhatDeepDerivativeAccepts(t *testing.T) {
	desired := desiredCronJob(t, testutil.FittingJob("ns", "fj"))
	live := desired.DeepCopy()
	pod := &live.Spec.JobTemplate.Spec.Template.Spec
	pod.Containers[0].Env = append(pod.Containers[0].Env, corev1.EnvVar{Name: "INJECTED", Value: "by someone else"})
	pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "injected", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})

	if !equality.Semantic.DeepDerivative(desired.Spec, live.Spec) {
		t.Fatal("DeepDerivative refuses the longer lists; this test no longer shows why covers is kept")
	}
	if cronJobSpecInSync(desired, live) {
		t.Error("cronJobSpecInSync accepts a CronJob with an appended environment variable and volume")
	}
	if !cronJobSpecInSync(desired, desired.DeepCopy()) {
		t.Error("cronJobSpecInSync refuses the desired CronJob itself")
	}
}
