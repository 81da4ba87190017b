//go:build integration

package integration

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/intelligent-hpa/fittingjob-controller/cmd/fittingjob-controller/app"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
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
	families, err := metrics.Registry.Gather()
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
		createFittingJob(t, prometheusFittingJob(ns, name))
	}

	flags := leaderFlags(ns)
	flags.LeaseDuration, flags.RenewDeadline = 4*time.Second, 3*time.Second
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
	lease, err := kube.CoordinationV1().Leases(flags.Namespace).Get(ctx, flags.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.NewMicroTime(time.Now())
	lease.Spec.HolderIdentity = ptrTo("thief")
	lease.Spec.LeaseDurationSeconds = ptrTo[int32](3600)
	lease.Spec.AcquireTime, lease.Spec.RenewTime = &now, &now
	if _, err := kube.CoordinationV1().Leases(flags.Namespace).Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	stolen := time.Now()
	queued := n*4 - writes.count() // each FittingJob costs about four writes here

	// The elector sets leader_election_master_status to 0 the moment it
	// gives up, just before it cancels the leader's context.
	for deadline := stolen.Add(30 * time.Second); leaderStatus(t, flags.Name) != 0; time.Sleep(2 * time.Millisecond) {
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
