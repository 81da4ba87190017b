package controller

import (
	"testing"
)

// BenchmarkSyncInSteadyState is the cost of a resync of a FittingJob whose
// children were verified in sync before: reads from the warm caches, the
// runs and the status, and no API request.
func BenchmarkSyncInSteadyState(b *testing.B) {
	benchmarkSteadySync(b, false)
}

// BenchmarkSyncUnverified is the same sync when nothing was verified
// before (the first sync after a start): it also generates both children
// and compares them with the live ones.
func BenchmarkSyncUnverified(b *testing.B) {
	benchmarkSteadySync(b, true)
}

func benchmarkSteadySync(b *testing.B, unverified bool) {
	f := newFixture(b)
	fj := synced(newFittingJob("web"))
	f.fittingJobs = append(f.fittingJobs, fj)
	f.configMaps = append(f.configMaps, asStored(desiredConfigMap(b, fj)))
	f.cronJobs = append(f.cronJobs, asStored(desiredCronJob(b, fj)))
	ctx := b.Context()
	c := f.newController(ctx)
	f.kubeClient.ClearActions()
	f.ihpaClient.ClearActions()
	key := keyOf(fj)

	b.ReportAllocs()
	for b.Loop() {
		if unverified {
			c.verified.forget(key)
		}
		if err := c.sync(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if actions := len(f.kubeClient.Actions()) + len(f.ihpaClient.Actions()); actions != 0 {
		b.Fatalf("a steady-state sync sent %d API requests", actions)
	}
}
