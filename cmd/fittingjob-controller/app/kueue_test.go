package app

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

var workloadsV1beta2 = schema.GroupVersionResource{Group: "kueue.x-k8s.io", Version: "v1beta2", Resource: "workloads"}

// The controller watches Workloads only where Kueue's API is served and it
// may list them; otherwise it runs without, and says why.
func TestWatchWorkloads(t *testing.T) {
	for _, tc := range []struct {
		name          string
		served        bool
		listForbidden bool
		wantWatched   bool
		wantWhy       string
	}{
		{name: "no Kueue", wantWhy: "the cluster served no Kueue API"},
		{name: "Kueue", served: true, wantWatched: true},
		{name: "Kueue, list forbidden", served: true, listForbidden: true, wantWhy: `listing Kueue's Workloads failed when the controller started (workloads.kueue.x-k8s.io is forbidden`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kube := k8sfake.NewClientset()
			if tc.served {
				kube.Resources = []*metav1.APIResourceList{{
					GroupVersion: workloadsV1beta2.GroupVersion().String(),
					APIResources: []metav1.APIResource{{Name: "workloads", Namespaced: true, Kind: "Workload"}},
				}}
			}
			dynamicClient := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
				map[schema.GroupVersionResource]string{workloadsV1beta2: "WorkloadList"})
			if tc.listForbidden {
				dynamicClient.PrependReactor("list", "workloads", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewForbidden(workloadsV1beta2.GroupResource(), "", nil)
				})
			}
			w, err := watchWorkloads(t.Context(), kube.Discovery(), dynamicClient, "team-a")
			if err != nil {
				t.Fatal(err)
			}
			if watched := w.resource != nil; watched != tc.wantWatched {
				t.Errorf("watched = %v, want %v (unwatched: %q)", watched, tc.wantWatched, w.unwatched)
			}
			if tc.wantWatched && *w.resource != workloadsV1beta2 {
				t.Errorf("resource = %v, want %v", *w.resource, workloadsV1beta2)
			}
			if !strings.Contains(w.unwatched, tc.wantWhy) || (tc.wantWhy == "") != (w.unwatched == "") {
				t.Errorf("unwatched = %q, want it to say %q", w.unwatched, tc.wantWhy)
			}
		})
	}
}
