package controller

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

func TestAPanicInASyncIsContainedToItsFittingJob(t *testing.T) {
	f := newFixture(t)
	fj := synced(newFittingJob("web"))
	f.fittingJobs = append(f.fittingJobs, fj)
	ctx := context.Background()
	c := f.newController(ctx)
	key := cache.MetaObjectToName(fj)
	c.syncHandler = func(context.Context, cache.ObjectName) (time.Duration, error) {
		var m map[string]int
		m["boom"]++ // a nil-map write: a runtime panic, not a panic() of ours
		return 0, nil
	}
	panics := testutil.ToFloat64(metrics.Panics.WithLabelValues("sync"))
	f.ihpaClient.ClearActions()

	for attempt := 1; attempt <= 2; attempt++ {
		c.queue.Add(key)
		if !c.processNextItem(ctx) {
			t.Fatal("the worker stopped after a panic")
		}
		if got := c.queue.NumRequeues(key); got != attempt {
			t.Errorf("attempt %d: the key was requeued %d times with backoff, want %d", attempt, got, attempt)
		}
		if err := mustUpdate(t, f, c); err != nil {
			t.Fatal(err)
		}
	}
	if got := testutil.ToFloat64(metrics.Panics.WithLabelValues("sync")) - panics; got != 2 {
		t.Errorf("fittingjob_controller_panics_total{where=sync} grew by %v, want 2", got)
	}
	written := writtenStatus(f.ihpaClient.Actions())
	if len(written) != 1 {
		t.Fatalf("status writes = %d, want 1 (the second panic finds Ready already saying so)", len(written))
	}
	ready := meta.FindStatusCondition(written[0].Status.Conditions, ihpav1beta2.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionFalse || ready.Reason != ihpav1beta2.ReasonSyncPanic ||
		!strings.Contains(ready.Message, "assignment to entry in nil map") {
		t.Errorf("Ready = %+v, want False SyncPanic naming the panic", ready)
	}
	events := f.events()
	if len(events) != 1 || !strings.HasPrefix(events[0], "Warning SyncPanic ") {
		t.Errorf("events = %q, want one Warning SyncPanic", events)
	}
}

// mustUpdate puts the FittingJob the fake API server holds into the
// informer cache, as the watch would.
func mustUpdate(t *testing.T, f *fixture, c *Controller) error {
	t.Helper()
	list, err := f.ihpaClient.IhpaV1beta2().FittingJobs(metav1.NamespaceDefault).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range list.Items {
		if err := f.fittingJobCache.Update(&list.Items[i]); err != nil {
			return err
		}
	}
	return nil
}

func TestAStoppedControllerSyncsNothingMore(t *testing.T) {
	f := newFixture(t)
	fj := newFittingJob("web")
	f.fittingJobs = append(f.fittingJobs, fj)
	c := f.newController(context.Background())
	synced := 0
	c.syncHandler = func(context.Context, cache.ObjectName) (time.Duration, error) { synced++; return 0, nil }

	ctx, cancel := context.WithCancel(context.Background())
	c.queue.Add(cache.MetaObjectToName(fj))
	cancel() // the Lease is lost with the key still queued
	if c.processNextItem(ctx) {
		t.Error("the worker went on after its context was cancelled")
	}
	if synced != 0 {
		t.Errorf("%d syncs after the context was cancelled, want 0", synced)
	}
}

func TestParsersOfUserTextCannotPanic(t *testing.T) {
	parserPanics := testutil.ToFloat64(metrics.Panics.WithLabelValues("parser"))
	for _, tc := range []struct {
		schedule string
		timeZone *string
	}{
		// robfig/cron slices a TZ= or CRON_TZ= prefix up to the first
		// ASCII space, and panics when there is none.
		{schedule: "TZ=UTC\t0\t4\t*\t*"},
		{schedule: "CRON_TZ=Europe/Paris\t0\t4\t*\t*"},
		{schedule: "TZ="},
		{schedule: "CRON_TZ=x"},
	} {
		s, err := parseSchedule(tc.schedule, tc.timeZone)
		if err == nil || s != nil {
			t.Errorf("parseSchedule(%q) = %v, %v; want an error", tc.schedule, s, err)
		}
	}
	if got := testutil.ToFloat64(metrics.Panics.WithLabelValues("parser")) - parserPanics; got != 4 {
		t.Errorf("fittingjob_controller_panics_total{where=parser} grew by %v, want 4", got)
	}

	var guarded error
	if _, guarded = guard("test", func() (int, error) { panic("x") }); guarded == nil {
		t.Error("guard returned no error for a panicking parser")
	}
	if _, err := guard("test", func() (int, error) { return 0, errors.New("refused") }); err == nil || err.Error() != "refused" {
		t.Errorf("guard changed the parser's own error: %v", err)
	}
}

func TestAScheduleThatPanicsTheParserIsReportedNotFatal(t *testing.T) {
	f := newFixture(t)
	fj := newFittingJob("web")
	fj.Spec.Schedule = "TZ=UTC\t0\t4\t*\t*"
	f.fittingJobs = append(f.fittingJobs, fj)

	actions, err := f.sync(fj)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	written := onlyStatusWrite(t, actions)
	// The spec is refused (the controller re-checks what admission
	// does), and no schedule is in force to tell freshness by.
	conditions := written.Status.Conditions
	if ready := meta.FindStatusCondition(conditions, ihpav1beta2.ConditionReady); ready == nil || ready.Reason != ihpav1beta2.ReasonInvalidSpec {
		t.Errorf("Ready = %+v, want InvalidSpec", ready)
	}
	fresh := meta.FindStatusCondition(conditions, ihpav1beta2.ConditionForecastFresh)
	if fresh == nil || fresh.Reason != ihpav1beta2.ReasonInvalidSchedule {
		t.Errorf("ForecastFresh = %+v, want InvalidSchedule", fresh)
	}
}
