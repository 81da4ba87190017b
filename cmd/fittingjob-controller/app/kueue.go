package app

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/klog/v2"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/controller"
)

// workloads is how the controller reads Kueue's Workloads: the informer
// factory and the resource, or, when resource is nil, why it reads none
// (the factory then starts nothing).
type workloads struct {
	factory  dynamicinformer.DynamicSharedInformerFactory
	resource *schema.GroupVersionResource
	// unwatched says why resource is nil, for the messages of queued runs.
	unwatched string
}

// watchWorkloads asks the API server, once at start, whether it serves
// Kueue's Workloads and lets the controller list them. Neither is an
// error: without Kueue the controller works as before, and without the
// right to list Workloads it still runs every FittingJob (an informer that
// may not list would keep its caches, and so the controller, from ever
// starting); queued runs then say why the controller cannot tell why they
// wait.
func watchWorkloads(ctx context.Context, discoveryClient discovery.DiscoveryInterface, client dynamic.Interface, namespace string) (workloads, error) {
	w := workloads{factory: dynamicinformer.NewFilteredDynamicSharedInformerFactory(client, 0, namespace, nil)}
	resource, served, err := controller.WorkloadsResource(discoveryClient)
	if err != nil {
		return workloads{}, err
	}
	logger := klog.FromContext(ctx)
	if !served {
		w.unwatched = fmt.Sprintf("the cluster served no Kueue API (%s Workloads) when the controller started: install Kueue and restart the controller, or remove spec.queueName", controller.KueueGroup)
		logger.Info("Kueue's API is not served: queued runs will say that nothing admits them", "group", controller.KueueGroup)
		return w, nil
	}
	if _, err := client.Resource(resource).Namespace(namespace).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
		w.unwatched = fmt.Sprintf("listing Kueue's Workloads failed when the controller started (%v), so it cannot say why the Job waits: grant it list and watch on workloads.%s, as the shipped RBAC does, and restart it", err, controller.KueueGroup)
		logger.Error(err, "Cannot list Kueue's Workloads: queued runs will not say why they wait", "resource", resource)
		return w, nil
	}
	logger.Info("Watching Kueue's Workloads", "resource", resource)
	w.resource = &resource
	return w, nil
}
