package controller

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	promtestutil "github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/client-go/tools/cache"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// TestResyncEveryQueuesEveryFittingJob: each resync period queues every
// FittingJob whose inputs cannot be told unchanged (the fake client's
// objects have no resourceVersion), those found in sync included.
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

// TestResyncSkipsOnlyWhatIsUnchanged: a resync that finds every input of a
// FittingJob as its last complete sync observed it, before any
// time-driven change, runs no sync and counts the skip; any changed input
// (a child, a new run) or the time of a change queues it.
func TestResyncSkipsOnlyWhatIsUnchanged(t *testing.T) {
	fj := synced(newFittingJob("web"))
	fj.ResourceVersion = "7"
	f, c, key := keptController(t, fj)
	f.syncAgain(t, c, key, "first sync")
	skipped := promtestutil.ToFloat64(metrics.ResyncsSkipped)
	resync := func() bool {
		t.Helper()
		c.resyncFittingJob(fj)
		queued := c.queue.Len() > 0
		for c.queue.Len() > 0 {
			k, _ := c.queue.Get()
			c.queue.Done(k)
		}
		return queued
	}

	if resync() {
		t.Fatal("a resync with every input unchanged queued the FittingJob")
	}
	if got := promtestutil.ToFloat64(metrics.ResyncsSkipped) - skipped; got != 1 {
		t.Errorf("fittingjob_controller_resyncs_skipped_total grew by %v, want 1", got)
	}

	// A child changed in the cache (no event handler involved).
	cj := f.cronJobs[0].DeepCopy()
	cj.ResourceVersion = "43"
	if err := f.cronJobCache.Update(cj); err != nil {
		t.Fatal(err)
	}
	if !resync() {
		t.Error("a resync after a child changed in the cache did not queue the FittingJob")
	}
	f.syncAgain(t, c, key, "after the child changed")
	if resync() {
		t.Fatal("did not settle again after a sync")
	}

	// A new run in the cache.
	job := runJob(fj, "web-1", runStart)
	if err := c.runIndex.Add(job); err != nil {
		t.Fatal(err)
	}
	if !resync() {
		t.Error("a resync after a new run appeared did not queue the FittingJob")
	}
	f.syncAgain(t, c, key, "after the run appeared")
	if resync() {
		t.Fatal("did not settle again after the run's sync")
	}

	// Time alone: the first fit goes overdue a day later.
	f.clock.Step(48 * time.Hour)
	if !resync() {
		t.Error("a resync past the time the status changes did not queue the FittingJob")
	}
}
