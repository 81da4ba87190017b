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
// costs a fraction of that. A resync is the safety net for an event that
// was lost or an input that has no event: it reads every FittingJob's
// inputs from the caches, and syncs each whose inputs differ from its last
// complete sync's or whose status is due to change with time.
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

// resyncFittingJob queues fj for a sync, unless the caches hold exactly
// what its last complete sync observed and no time-driven change is due
// (unchanged.go): that sync's result stands. It reads the caches the way
// a sync does, so the check needs no event to have been seen.
func (c *Controller) resyncFittingJob(fj *ihpav1beta2.FittingJob) {
	key := cache.MetaObjectToName(fj)
	if seen, err := c.observe(fj); err == nil {
		last, synced := c.lastInputs.get(key)
		if versions, ok := inputsOf(fj, seen); ok && synced && last.unchanged(versions, c.clock.Now()) {
			metrics.ResyncsSkipped.Inc()
			return
		}
	}
	c.queue.Add(key)
}
