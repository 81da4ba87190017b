package controller

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned/scheme"
)

// updateStatus sends fj's status, as the typed client's UpdateStatus
// does, but does not decode the API server's answer: the sync has no use
// for it (the new version reaches the cache through the watch), and
// decoding a FittingJob's JSON costs about as much as encoding it. A
// clientset without a REST client (a fake) gets the typed call.
func (c *Controller) updateStatus(ctx context.Context, fj *ihpav1beta2.FittingJob) error {
	client, ok := c.ihpaClient.IhpaV1beta2().RESTClient().(*rest.RESTClient)
	if !ok || client == nil {
		_, err := c.ihpaClient.IhpaV1beta2().FittingJobs(fj.Namespace).UpdateStatus(ctx, fj, metav1.UpdateOptions{})
		return err
	}
	return client.Put().
		Namespace(fj.Namespace).Resource("fittingjobs").Name(fj.Name).SubResource("status").
		VersionedParams(&metav1.UpdateOptions{}, scheme.ParameterCodec).
		Body(fj).
		Do(ctx).
		Error()
}
