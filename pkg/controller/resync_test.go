package controller

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/cache"
)

// TestResyncEveryQueuesEveryFittingJob: each resync period queues every
// FittingJob, those found in sync included: a resync is the safety net for
// what no event reported, so it skips nothing.
func TestResyncEveryQueuesEveryFittingJob(t *testing.T) {
	inSync, other := synced(newFittingJob("in-sync")), synced(newFittingJob("other"))
	f := newFixture(t)
	f.withChildren(inSync)
	f.withChildren(other)
	c := f.newController(context.Background())
	f.syncAgain(t, c, keyOf(inSync), "first sync")

	waiters := f.clock.Waiters() // the queue's
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.resyncEvery(ctx, time.Minute)
	}()
	defer func() { cancel(); <-done }()

	waitFor(t, func() bool { return f.clock.Waiters() > waiters }, "the resync ticker")
	want := []cache.ObjectName{keyOf(inSync), keyOf(other)}
	for period := 1; period <= 2; period++ {
		f.clock.Step(time.Minute)
		waitFor(t, func() bool { return c.queue.Len() == len(want) }, "a resync")
		var got []cache.ObjectName
		for c.queue.Len() > 0 {
			key, _ := c.queue.Get()
			c.queue.Done(key)
			got = append(got, key)
		}
		slices.SortFunc(got, func(a, b cache.ObjectName) int { return strings.Compare(a.String(), b.String()) })
		if !slices.Equal(got, want) {
			t.Fatalf("resync %d queued %v, want %v", period, got, want)
		}
	}
}
