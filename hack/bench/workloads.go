package main

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// unrelatedPodSpec runs nowhere: the bench's control plane has no node and
// no scheduler, so a Pod of it stays Pending, which is all an unrelated
// object has to do.
func unrelatedPodSpec() corev1.PodSpec {
	return corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{
			Name: "main", Image: "registry.example.com/unrelated:v1", Command: []string{"sleep", "3600"},
		}},
	}
}

// unrelatedJob is suspended, so that the Job controller of
// kube-controller-manager creates no Pods of its own for it.
func unrelatedJob(namespace string, i int) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: fmt.Sprintf("unrelated-%05d", i)},
		Spec: batchv1.JobSpec{
			Suspend:  ptr.To(true),
			Template: corev1.PodTemplateSpec{Spec: unrelatedPodSpec()},
		},
	}
}

func unrelatedPod(namespace string, i int, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: fmt.Sprintf("unrelated-%05d", i), Labels: labels},
		Spec:       unrelatedPodSpec(),
	}
}

func (b *bench) createJobs(ctx context.Context, namespace string, n int) error {
	err := parallel(ctx, n, prepConcurrency, func(ctx context.Context, i int) error {
		_, err := b.admin.BatchV1().Jobs(namespace).Create(ctx, unrelatedJob(namespace, i), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("creating Jobs: %w", err)
	}
	return countIs(ctx, "Jobs", n, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return b.admin.BatchV1().Jobs(namespace).List(ctx, opts)
	})
}

// createPods creates n Pods with labels, once the namespace's default
// ServiceAccount exists: admission refuses Pods before.
func (b *bench) createPods(ctx context.Context, namespace string, n int, labels map[string]string) error {
	if err := waitDefaultServiceAccount(ctx, b.admin, namespace, b.opts.timeout); err != nil {
		return err
	}
	err := parallel(ctx, n, prepConcurrency, func(ctx context.Context, i int) error {
		_, err := b.admin.CoreV1().Pods(namespace).Create(ctx, unrelatedPod(namespace, i, labels), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("creating Pods: %w", err)
	}
	return countIs(ctx, "Pods", n, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return b.admin.CoreV1().Pods(namespace).List(ctx, opts)
	})
}

func waitDefaultServiceAccount(ctx context.Context, kube kubernetes.Interface, namespace string, timeout time.Duration) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		_, err := kube.CoreV1().ServiceAccounts(namespace).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the default ServiceAccount of %s: %w", namespace, err)
	}
	return nil
}

// countIs fails unless the API server holds at least want objects of a
// kind in the list (the namespace may hold some of its own, such as
// kube-root-ca.crt): the memory figures are only worth their label if
// every object said to be there is. A list of one item with no selector
// tells the rest in remainingItemCount.
func countIs(ctx context.Context, kind string, want int, list func(context.Context, metav1.ListOptions) (runtime.Object, error)) error {
	obj, err := list(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return fmt.Errorf("counting %s: %w", kind, err)
	}
	l, err := meta.ListAccessor(obj)
	if err != nil {
		return err
	}
	have := meta.LenList(obj)
	if rest := l.GetRemainingItemCount(); rest != nil {
		have += int(*rest)
	}
	if have < want {
		return fmt.Errorf("%d %s exist, %d were created", have, kind, want)
	}
	return nil
}
