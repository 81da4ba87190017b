package controller

import (
	"testing"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// BenchmarkSyncVerified is the sync of a FittingJob whose children were
// verified in sync before, with nothing changed since: what a resync costs
// per FittingJob (cache reads, and the status computed again).
func BenchmarkSyncVerified(b *testing.B) {
	benchmarkSync(b, false)
}

// BenchmarkSyncUnverified is the same sync when nothing was verified
// before (the first sync after a start): it generates both children,
// compares them with the live ones, and computes the status.
func BenchmarkSyncUnverified(b *testing.B) {
	benchmarkSync(b, true)
}

func benchmarkSync(b *testing.B, unverified bool) {
	f, c, fj := benchmarkController(b)
	ctx := b.Context()
	key := keyOf(fj)

	b.ReportAllocs()
	for b.Loop() {
		if unverified {
			c.verified.forget(key)
		}
		if _, err := c.sync(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	f.checkNoRequests(b)
}

// benchmarkController is a controller on a FittingJob and its children,
// all in sync.
func benchmarkController(b *testing.B) (*fixture, *Controller, *ihpav1beta2.FittingJob) {
	f := newFixture(b)
	fj := synced(newFittingJob("web"))
	fj.ResourceVersion = "7"
	f.fittingJobs = append(f.fittingJobs, fj)
	f.configMaps = append(f.configMaps, asStored(desiredConfigMap(b, fj)))
	f.cronJobs = append(f.cronJobs, asStored(desiredCronJob(b, fj)))
	c := f.newController(b.Context())
	f.kubeClient.ClearActions()
	f.ihpaClient.ClearActions()
	return f, c, fj
}

func (f *fixture) checkNoRequests(b *testing.B) {
	if actions := len(f.kubeClient.Actions()) + len(f.ihpaClient.Actions()); actions != 0 {
		b.Fatalf("a sync of a FittingJob in sync sent %d API requests", actions)
	}
}

// BenchmarkResyncOfUnchangedFittingJob is what a resync costs for a
// FittingJob whose inputs are all as its last complete sync observed
// them: the caches read as a sync reads them, the versions compared, and
// no sync queued.
func BenchmarkResyncOfUnchangedFittingJob(b *testing.B) {
	f, c, fj := benchmarkController(b)
	if _, err := c.sync(b.Context(), keyOf(fj)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.resyncFittingJob(fj)
	}
	b.StopTimer()
	if n := c.queue.Len(); n != 0 {
		b.Fatalf("a resync of an unchanged FittingJob queued %d keys", n)
	}
	f.checkNoRequests(b)
}
