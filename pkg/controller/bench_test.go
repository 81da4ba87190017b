package controller

import (
	"testing"
)

// BenchmarkSyncInSteadyState is the cost of a sync that finds both
// children in sync (as after a resync): reads from the warm caches, the
// generator, the comparison, and no API request.
func BenchmarkSyncInSteadyState(b *testing.B) {
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
		if err := c.sync(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if actions := len(f.kubeClient.Actions()) + len(f.ihpaClient.Actions()); actions != 0 {
		b.Fatalf("a steady-state sync sent %d API requests", actions)
	}
}
