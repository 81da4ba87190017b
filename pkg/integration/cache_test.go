//go:build integration

package integration

import (
	"context"
	"testing"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestStatusWritesKeepWhatTheCacheDrops: the controller caches FittingJobs
// without kubectl apply's last-applied annotation, and writes their status
// from that copy. The status subresource must keep the stored metadata, or
// the next kubectl apply would lose its three-way merge base.
func TestStatusWritesKeepWhatTheCacheDrops(t *testing.T) {
	ns := newNamespace(t)
	startController(t, ns)
	fj := testutil.FittingJob(ns, "applied")
	fj.Annotations = map[string]string{corev1.LastAppliedConfigAnnotation: `{"kind":"FittingJob"}`}
	createFittingJob(t, fj)
	waitReady(t, ns, fj.Name)

	stored, err := ihpa.IhpaV1beta2().FittingJobs(ns).Get(context.Background(), fj.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status.ObservedGeneration == 0 {
		t.Fatal("test setup: the controller wrote no status")
	}
	if got := stored.Annotations[corev1.LastAppliedConfigAnnotation]; got != `{"kind":"FittingJob"}` {
		t.Errorf("after the status write, the last-applied annotation is %q", got)
	}
}
