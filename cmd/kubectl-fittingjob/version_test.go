package main

import (
	"bytes"
	"context"
	"errors"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	core "k8s.io/client-go/testing"
)

func controllerDeployment(namespace, image string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "fittingjob-controller", Namespace: namespace,
			Labels: map[string]string{"app.kubernetes.io/name": "fittingjob-controller"}},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "controller", Image: image},
		}}}},
	}
}

func TestControllerVersion(t *testing.T) {
	forbidden := func(namespace string) core.ReactionFunc {
		return func(a core.Action) (bool, runtime.Object, error) {
			if a.GetNamespace() == namespace {
				return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "", errors.New("no"))
			}
			return false, nil, nil
		}
	}
	for _, tc := range []struct {
		name      string
		objects   []runtime.Object
		forbidden []string // namespaces where listing is refused ("" is all)
		want      string
	}{
		{name: "cluster-wide", objects: []runtime.Object{controllerDeployment("fittingjob-system", "ghcr.io/intelligent-hpa/fittingjob-controller:v0.1.0")},
			want: "controller: v0.1.0 (deployment.apps/fittingjob-controller in fittingjob-system, image ghcr.io/intelligent-hpa/fittingjob-controller:v0.1.0)\n"},
		{name: "only fittingjob-system", forbidden: []string{""},
			objects: []runtime.Object{controllerDeployment("fittingjob-system", "registry:5000/fittingjob-controller:v0.2.0@sha256:abc")},
			want:    "controller: v0.2.0 (deployment.apps/fittingjob-controller in fittingjob-system, image registry:5000/fittingjob-controller:v0.2.0@sha256:abc)\n"},
		{name: "untagged", objects: []runtime.Object{controllerDeployment("team", "registry:5000/fittingjob-controller")},
			want: "controller: unknown (no tag) (deployment.apps/fittingjob-controller in team, image registry:5000/fittingjob-controller)\n"},
		{name: "none", want: "controller: not visible (no Deployment labelled app.kubernetes.io/name=fittingjob-controller)\n"},
		{name: "forbidden", forbidden: []string{"", "fittingjob-system"},
			want: `controller: not visible (deployments.apps is forbidden: no)` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kube := k8sfake.NewClientset(tc.objects...)
			for _, ns := range tc.forbidden {
				kube.PrependReactor("list", "deployments", forbidden(ns))
			}
			var out bytes.Buffer
			controllerVersion(context.Background(), kube, &out)
			if out.String() != tc.want {
				t.Errorf("got %q, want %q", out.String(), tc.want)
			}
		})
	}
}
