//go:build integration

package integration

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// A window in which the controller writes nothing proves nothing if the
// controller never synced in it: forgetSyncs and checkSynced, and
// waitForResyncs, are the positive controls of such windows.
//
// A controller's first sync of a FittingJob that gets as far as its status
// (and any sync that changes the status) creates the FittingJob's
// fittingjob_runs_total series (from zero) in the process-wide
// metrics.Registry, which the controllers these tests run in-process
// share. Dropping the series, then starting a controller, and finding
// them again later proves that a sync of that FittingJob ran in between.

// forgetSyncs drops the per-FittingJob series of names, so that
// checkSynced sees only syncs that run from now on. Call it while no
// controller syncs them (stopped), before starting the one whose syncs
// are to be seen: a controller that has set the series of a version
// already does not set them again.
func forgetSyncs(namespace string, names ...string) {
	for _, name := range names {
		metrics.ForgetFittingJob(namespace, name)
	}
}

// checkSynced fails the test unless every FittingJob of names was synced
// since forgetSyncs; window says which window, for the message.
func checkSynced(t *testing.T, window, namespace string, names ...string) {
	t.Helper()
	synced := syncedFittingJobs(t, namespace)
	var missing []string
	for _, name := range names {
		if !slices.Contains(synced, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s: the controller never synced %v (no fittingjob_runs_total series), so the writes it did not send prove nothing",
			window, missing)
	}
}

// syncedFittingJobs lists the FittingJobs of namespace that have
// fittingjob_runs_total series.
func syncedFittingJobs(t *testing.T, namespace string) []string {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gathering the controller's metrics: %v", err)
	}
	var names []string
	for _, family := range families {
		if family.GetName() != "fittingjob_runs_total" {
			continue
		}
		for _, m := range family.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == namespace {
				names = append(names, labels["fittingjob"])
			}
		}
	}
	return names
}

// syncCount reads fittingjob_controller_syncs_total, where every sync
// that runs counts once, resyncs included (the only controller running is
// the test's).
func syncCount(t *testing.T) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gathering the controller's metrics: %v", err)
	}
	var n float64
	for _, family := range families {
		if family.GetName() == "fittingjob_controller_syncs_total" {
			for _, m := range family.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// waitForResyncs waits until the controller has looked rounds times at
// each FittingJob of namespace, counted from now: syncs run, and resyncs
// that found every input unchanged since the last complete sync
// (fittingjob_controller_resyncs_skipped_total). The window in which a
// test then checks that nothing was written is one in which the
// controller certainly looked, and it ends as soon as it did instead of after a
// sleep long enough for a slow machine.
func waitForResyncs(t *testing.T, namespace string, rounds int) {
	t.Helper()
	list, err := ihpa.IhpaV1beta2().FittingJobs(namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := float64(rounds * len(list.Items))
	looks := func() float64 { return syncCount(t) + counterValue(t, "fittingjob_controller_resyncs_skipped_total") }
	before := looks()
	eventually(t, 60*time.Second, fmt.Sprintf("%d looks at each of the %d FittingJobs of %s", rounds, len(list.Items), namespace),
		func(context.Context) (bool, error) { return looks()-before >= want, nil })
}

// counterValue reads a counter without labels from this process's
// metrics.Registry (0 before its first increase).
func counterValue(t *testing.T, name string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gathering the controller's metrics: %v", err)
	}
	for _, family := range families {
		if family.GetName() == name {
			var n float64
			for _, m := range family.GetMetric() {
				n += m.GetCounter().GetValue()
			}
			return n
		}
	}
	return 0
}
