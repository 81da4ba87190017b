package controller

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/cache"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// resyncEvery looks at every FittingJob again each period, until ctx is
// cancelled: the safety net for whatever no event reported.
//
// The controller does this itself rather than through its informer's
// resync period, which would hand every cached FittingJob to the event
// handlers one by one through the informer's queues; a walk of the cache
// costs a fraction of that. Every FittingJob is synced: a resync is the
// safety net for an event that was lost or an input that has no event, so
// it takes no shortcut of its own.
func (c *Controller) resyncEvery(ctx context.Context, period time.Duration) {
	ticker := c.clock.NewTicker(period)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
			c.resyncAll()
		}
	}
}

// resyncAll resyncs every FittingJob in the cache.
func (c *Controller) resyncAll() {
	fjs, err := c.fittingJobs.List(labels.Everything())
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	for _, fj := range fjs {
		c.resyncFittingJob(fj)
	}
}

// resyncFittingJob queues fj for a sync.
func (c *Controller) resyncFittingJob(fj *ihpav1beta2.FittingJob) {
	c.queue.Add(cache.MetaObjectToName(fj))
}
