package app

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/controller"
)

// workloadInformers is the informer factory of Kueue's Workloads, and the
// Workloads resource; resource is nil where the cluster serves no Kueue
// API, and the factory then starts nothing.
type workloadInformers struct {
	factory  dynamicinformer.DynamicSharedInformerFactory
	resource *schema.GroupVersionResource
}

// kueueInformers asks the API server, once at start, whether it serves
// Kueue's Workloads.
func kueueInformers(ctx context.Context, kubeClient kubernetes.Interface, config *rest.Config, namespace string) (workloadInformers, error) {
	dynamicClient, err := dynamic.NewForConfig(config)
	if err != nil {
		return workloadInformers{}, fmt.Errorf("creating the dynamic client: %w", err)
	}
	informers := workloadInformers{factory: dynamicinformer.NewFilteredDynamicSharedInformerFactory(dynamicClient, 0, namespace, nil)}
	resource, served, err := controller.WorkloadsResource(kubeClient.Discovery())
	if err != nil {
		return workloadInformers{}, err
	}
	logger := klog.FromContext(ctx)
	if !served {
		logger.Info("Kueue's API is not served: queued runs will say that nothing admits them", "group", controller.KueueGroup)
		return informers, nil
	}
	logger.Info("Watching Kueue's Workloads", "resource", resource)
	informers.resource = &resource
	return informers, nil
}
