package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
)

// benchImage is the fitting image of the FittingJobs as created; the storm
// changes it.
const benchImage = "registry.example.com/fittingjob:v1"

// newFittingJob is the i-th FittingJob of the benchmark, shaped like those
// the IHPA controller creates (dataConfigMap, serviceAccountName, a metric
// selector) with change-point detection on. It is suspended so that the
// CronJob controller of kube-controller-manager never starts a Job during
// the benchmark, whatever the hour.
func newFittingJob(namespace string, i int) *ihpav1beta2.FittingJob {
	name := fmt.Sprintf("ihpa-web%05d-http-requests-total", i)
	return &ihpav1beta2.FittingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: ihpav1beta2.FittingJobSpec{
			JobPatchSpec: ihpav1beta2.JobPatchSpec{
				ServiceAccountName: fmt.Sprintf("ihpa-web%05d", i),
				Image:              benchImage,
			},
			Seasonality:                "daily",
			ChangePointDetectionConfig: &ihpav1beta2.ChangePointDetectionConfig{},
			DataConfigMap:              &corev1.LocalObjectReference{Name: name},
			Metric: ihpav1beta2.MetricIdentifier{
				Name:     "http_requests_total",
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"job": fmt.Sprintf("web%05d", i)}},
			},
			Provider: ihpav1beta2.Provider{
				Prometheus: &ihpav1beta2.PrometheusProvider{URL: "http://prometheus.monitoring.svc:9090"},
			},
			Suspend: ptr.To(true),
		},
	}
}

func newFittingJobs(namespace string, n int) []*ihpav1beta2.FittingJob {
	fjs := make([]*ihpav1beta2.FittingJob, n)
	for i := range fjs {
		fjs[i] = newFittingJob(namespace, i)
	}
	return fjs
}

// createFittingJobs creates fjs with concurrency goroutines.
func createFittingJobs(ctx context.Context, ihpa clientset.Interface, fjs []*ihpav1beta2.FittingJob, concurrency int) error {
	return parallel(ctx, len(fjs), concurrency, func(ctx context.Context, i int) error {
		_, err := ihpa.IhpaV1beta2().FittingJobs(fjs[i].Namespace).Create(ctx, fjs[i], metav1.CreateOptions{})
		return err
	})
}

func createNamespace(ctx context.Context, kube kubernetes.Interface, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	_, err := kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	return err
}

// deleteNamespace deletes a namespace and waits until it is gone, so that
// its deletion does not load the API server during the next measurement.
func deleteNamespace(ctx context.Context, kube kubernetes.Interface, name string, timeout time.Duration) error {
	err := kube.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		_, err := kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

// unrelatedConfigMap is a ConfigMap the controller has no business with:
// no managed-by label, size bytes of data.
func unrelatedConfigMap(namespace string, i, size int) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: fmt.Sprintf("unrelated-%05d", i)},
		Data:       map[string]string{"data": strings.Repeat("x", size)},
	}
}
