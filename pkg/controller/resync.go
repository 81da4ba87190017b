package controller

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/cache"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// resyncEvery looks at every FittingJob again each period, until ctx is
// cancelled: the safety net for whatever no event reported.
//
// The controller does this itself rather than through its informer's
// resync period, which would hand every cached FittingJob to the event
// handlers one by one through the informer's queues; a walk of the cache
// costs a fraction of that, and most FittingJobs are settled.
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

// resyncFittingJob queues fj unless it has settled (verified.go): then a
// sync would find nothing to do, and the last sync's result stands. It
// counts as one more sync, Synced.
func (c *Controller) resyncFittingJob(fj *ihpav1beta2.FittingJob) {
	if c.verified.isSettled(fj, c.clock.Now()) {
		metrics.Syncs.WithLabelValues(ihpav1beta2.ReasonSynced).Inc()
		return
	}
	c.queue.Add(cache.MetaObjectToName(fj))
}
