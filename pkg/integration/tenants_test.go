//go:build integration

package integration

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	promtestutil "github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/intelligent-hpa/fittingjob-controller/cmd/fittingjob-controller/app"
	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// timedWrites records when each mutating request of a client, leader
// election's excepted, was sent.
type timedWrites struct {
	mu     sync.Mutex
	writes []timedWrite
}

type timedWrite struct {
	at   time.Time
	line string
}

func (w *timedWrites) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method != http.MethodGet && !strings.Contains(req.URL.Path, "/leases") {
			w.mu.Lock()
			w.writes = append(w.writes, timedWrite{time.Now(), req.Method + " " + req.URL.Path})
			w.mu.Unlock()
		}
		return rt.RoundTrip(req)
	})
}

// leaderStatus reads this process's leader_election_master_status of the
// Lease name.
func leaderStatus(t *testing.T, name string) float64 {
	t.Helper()
	families, err := metrics.Gatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, family := range families {
		if family.GetName() != "leader_election_master_status" {
			continue
		}
		for _, m := range family.GetMetric() {
			for _, label := range m.GetLabel() {
				if label.GetName() == "name" && label.GetValue() == name {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return -1
}

func (w *timedWrites) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.writes)
}

func (w *timedWrites) since(t time.Time) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var after []string
	for _, write := range w.writes {
		if write.at.After(t) {
			after = append(after, write.at.Format("15:04:05.000")+" "+write.line)
		}
	}
	return after
}

// A leader that loses its Lease with work still queued writes nothing more:
// no child, no status, no event, not even one recorded just before.
func TestNoWritesAfterTheLeaseIsLost(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	// Every FittingJob finds a ConfigMap it does not control under its
	// config's name: each sync records a Warning event, which the recorder
	// posts on its own, after the sync.
	const n = 80
	for i := range n {
		name := fmt.Sprintf("queued-%02d", i)
		foreign := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-config"}}
		if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, foreign, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		createFittingJob(t, testutil.FittingJob(ns, name))
	}

	flags := leaderFlags(ns)
	flags.LeaseDuration.Duration, flags.RenewDeadline.Duration = 4*time.Second, 3*time.Second
	writes := &timedWrites{}
	// A slow client keeps a backlog queued when the Lease goes.
	rc := startController(t, ns, elected(flags, "leader"), func(o *app.Options) {
		o.QPS, o.Burst = 10, 10
		o.RestConfig.Wrap(writes.wrap)
	})
	waitLeader(t, flags, "leader", 30*time.Second)
	eventually(t, 30*time.Second, "the leader to start writing", func(context.Context) (bool, error) {
		return writes.count() >= 10, nil
	})

	// Another holder takes the Lease; the leader fails to renew it and
	// stops leading within its renew deadline (its attempts come every
	// retry period, each maybe delayed by its own rate limiter).
	lease, err := kube.CoordinationV1().Leases(flags.ResourceNamespace).Get(ctx, flags.ResourceName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.NewMicroTime(time.Now())
	lease.Spec.HolderIdentity = ptrTo("thief")
	lease.Spec.LeaseDurationSeconds = ptrTo[int32](3600)
	lease.Spec.AcquireTime, lease.Spec.RenewTime = &now, &now
	if _, err := kube.CoordinationV1().Leases(flags.ResourceNamespace).Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	stolen := time.Now()
	queued := n*4 - writes.count() // each FittingJob costs about four writes here

	// The elector sets leader_election_master_status to 0 the moment it
	// gives up, just before it cancels the leader's context.
	for deadline := stolen.Add(30 * time.Second); leaderStatus(t, flags.ResourceName) != 0; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the leader did not stop leading within 30s of losing its Lease")
		}
	}
	lost := time.Now()

	select {
	case err := <-rc.done:
		if err == nil || err.Error() != errLostLease {
			t.Fatalf("the controller ended with %v, want %q", err, errLostLease)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the controller did not stop after losing its Lease")
	}
	rc.cancel()
	rc.cancel = nil
	stopped := time.Now()
	time.Sleep(3 * time.Second) // anything still on its way
	t.Logf("the Lease was taken at %s; the leader stopped leading %v later and returned %v after that, with about %d writes still to do",
		stolen.Format("15:04:05.000"), lost.Sub(stolen).Round(time.Millisecond), stopped.Sub(lost).Round(time.Millisecond), queued)
	if queued <= 0 {
		t.Fatalf("nothing was left to do when the Lease was lost (%d writes sent): the test proves nothing", writes.count())
	}
	// A request already past its context check when the context was
	// cancelled may reach the wire just after: allow it a few milliseconds.
	if after := writes.since(lost.Add(50 * time.Millisecond)); len(after) > 0 {
		t.Errorf("%d writes after the leader stopped leading at %s: %v", len(after), lost.Format("15:04:05.000"), after)
	}
}

// One controller serves every tenant. A FittingJob for each class of
// hostile or careless input is either refused at admission, naming the
// field, or accepted and reported Ready=False with its reason; meanwhile
// the controller never stops and keeps reconciling the other FittingJobs.
func TestNoFittingJobStopsTheController(t *testing.T) {
	ns := newNamespace(t)
	rc := startController(t, ns)
	syncPanics := panicsCaught(t, "sync")

	longKey := strings.Repeat("k", 40*1024) // a label key of 40 KiB: the CronJob's validation quotes it
	for _, tc := range []struct {
		name   string
		mutate func(*ihpav1beta2.FittingJob)
		// refusedNaming is the field the API server's refusal names; when
		// empty, the FittingJob is admitted and its Ready condition turns
		// False with reason notReady, or True when that is empty too.
		refusedNaming, notReady string
	}{
		{"TZ= prefix with tabs, which panics the cron parser", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = "TZ=UTC\t0\t4\t*\t*" }, "spec.schedule", ""},
		{"CRON_TZ= prefix", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = "CRON_TZ=UTC 0 4 * * *" }, "spec.schedule", ""},
		{"tabs between fields, as in a crontab", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = "0\t4\t*\t*\t*" }, "", ""},
		{"newlines between fields", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = "0\n4\n*\n*\n*" }, "spec.schedule", ""},
		{"unicode spaces between fields", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = "0\u20034\u2003*\u2003*\u2003*" }, "spec.schedule", ""},
		{"a deadline that overflows a Duration", func(fj *ihpav1beta2.FittingJob) { fj.Spec.ActiveDeadlineSeconds = ptrTo[int64](math.MaxInt64) }, "spec.activeDeadlineSeconds", ""},
		{"a megabyte schedule", func(fj *ihpav1beta2.FittingJob) { fj.Spec.Schedule = strings.Repeat("0", 1<<20) + " 4 * * *" }, "spec.schedule", ""},
		{"time zone Local", func(fj *ihpav1beta2.FittingJob) { fj.Spec.TimeZone = ptrTo("Local") }, "spec.timeZone", ""},
		{"time zone out of the zoneinfo tree", func(fj *ihpav1beta2.FittingJob) { fj.Spec.TimeZone = ptrTo("../../../etc/passwd") }, "spec.timeZone", ""},
		{"its own config as the data ConfigMap", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: fj.Name + "-config"}
		}, "dataConfigMap", ""},
		{"an unknown time zone", func(fj *ihpav1beta2.FittingJob) { fj.Spec.TimeZone = ptrTo("Mars/Olympus_Mons") }, "", ihpav1beta2.ReasonCronJobRejected},
		{"a 40 KiB error", func(fj *ihpav1beta2.FittingJob) { fj.Spec.NodeSelector = map[string]string{longKey: "x"} }, "", ihpav1beta2.ReasonCronJobRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := testutil.FittingJob(ns, fmt.Sprintf("hostile-%d", time.Now().UnixNano()%1e9))
			tc.mutate(fj)
			_, err := ihpa.IhpaV1beta2().FittingJobs(ns).Create(context.Background(), fj, metav1.CreateOptions{})
			if tc.refusedNaming != "" {
				if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.refusedNaming) {
					t.Fatalf("want a refusal naming %s, got %v", tc.refusedNaming, cutForLog(err))
				}
				return
			}
			if err != nil {
				t.Fatalf("want it admitted, got %v", cutForLog(err))
			}
			if tc.notReady == "" {
				waitReady(t, ns, fj.Name)
				return
			}
			got := waitCondition(t, ns, fj.Name, metav1.ConditionFalse, tc.notReady)
			ready := meta.FindStatusCondition(got.Status.Conditions, ihpav1beta2.ConditionReady)
			t.Logf("Ready=False %s, a message of %d bytes", ready.Reason, len(ready.Message))
		})
	}

	// Every tenant's FittingJob is still reconciled, by the same process.
	after := createFittingJob(t, testutil.FittingJob(ns, "unharmed"))
	waitReady(t, ns, after.Name)
	select {
	case err := <-rc.done:
		t.Fatalf("the controller stopped: %v", err)
	default:
	}
	if got := panicsCaught(t, "sync") - syncPanics; got != 0 {
		t.Errorf("%v syncs panicked", got)
	}
}

// panicsCaught reads this process's fittingjob_controller_panics_total.
func panicsCaught(t *testing.T, where string) float64 {
	t.Helper()
	return promtestutil.ToFloat64(metrics.Panics.WithLabelValues(where))
}

// cutForLog keeps an error readable when it quotes a huge value.
func cutForLog(err error) string {
	if err == nil {
		return "<nil>"
	}
	if s := err.Error(); len(s) > 500 {
		return s[:500] + "…"
	}
	return err.Error()
}
