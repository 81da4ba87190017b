package main

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

func TestObserverCountsConvergedFittingJobs(t *testing.T) {
	o := &observer{image: benchImage, n: 1, jobs: map[string]*observed{}, done: make(chan struct{})}
	fj := newFittingJob("ns", 0)
	fj.Generation = 2
	want, err := desired(fj)
	if err != nil {
		t.Fatal(err)
	}
	o.apply(watch.Added, want.ConfigMap)
	o.apply(watch.Added, want.CronJob)
	o.apply(watch.Added, fj)
	if o.converged != 0 {
		t.Fatal("converged before the status says Ready")
	}
	ready := fj.DeepCopy()
	ready.Status.ObservedGeneration = 2
	meta.SetStatusCondition(&ready.Status.Conditions, metav1.Condition{
		Type: ihpav1beta2.ConditionReady, Status: metav1.ConditionTrue, Reason: ihpav1beta2.ReasonSynced, ObservedGeneration: 2})
	o.apply(watch.Modified, ready)
	select {
	case <-o.done:
	default:
		t.Fatalf("not done with the status Ready and both children desired: %+v", o.jobs[fj.Name])
	}

	stale := want.ConfigMap.DeepCopy()
	stale.Data[configKey] = "{}"
	o.apply(watch.Modified, stale)
	if o.converged != 0 {
		t.Error("still converged with a stale config.json")
	}
	o.apply(watch.Modified, want.ConfigMap)
	o.apply(watch.Deleted, want.CronJob)
	if o.converged != 0 {
		t.Error("still converged without its CronJob")
	}
	o.apply(watch.Added, want.CronJob) // done is closed again: must not panic
	if o.converged != 1 {
		t.Error("not converged again")
	}
	other := withImage(ready, "registry.example.com/fittingjob:v2")
	o.apply(watch.Modified, other)
	if o.converged != 0 {
		t.Error("converged with another image than the target")
	}
}
