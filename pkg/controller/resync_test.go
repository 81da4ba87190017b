package controller

import (
	"context"
	"testing"
	"time"

	"k8s.io/client-go/tools/cache"
)

// TestResyncEveryQueuesWhatHasNotSettled: each resync period, every
// FittingJob that has not settled is queued, and no settled one.
func TestResyncEveryQueuesWhatHasNotSettled(t *testing.T) {
	settled, unsynced := synced(newFittingJob("settled")), synced(newFittingJob("unsynced"))
	settled.ResourceVersion, unsynced.ResourceVersion = "7", "8"
	f := newFixture(t)
	f.withChildren(settled)
	f.withChildren(unsynced)
	c := f.newController(context.Background())
	f.syncAgain(t, c, keyOf(settled), "first sync")

	waiters := f.clock.Waiters() // the queue's
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.resyncEvery(ctx, time.Minute)
	}()
	defer func() { cancel(); <-done }()

	waitFor(t, func() bool { return f.clock.Waiters() > waiters }, "the resync ticker")
	for period := 1; period <= 2; period++ {
		f.clock.Step(time.Minute)
		waitFor(t, func() bool { return c.queue.Len() > 0 }, "a resync")
		key, _ := c.queue.Get()
		c.queue.Done(key)
		if want := cache.MetaObjectToName(unsynced); key != want || c.queue.Len() != 0 {
			t.Fatalf("resync %d queued %v (and %d more), want only %v", period, key, c.queue.Len(), want)
		}
	}
}
