//go:build integration

package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"

	"github.com/intelligent-hpa/fittingjob-controller/cmd/fittingjob-controller/app"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// Two replicas with leader election: only the leader writes; when it
// stops, it releases the Lease and the other takes over at its next retry.
func TestLeaderElection(t *testing.T) {
	ns := newNamespace(t)
	flags := leaderFlags(ns)
	first := startController(t, ns, elected(flags, "first"))
	waitLeader(t, flags, "first", 30*time.Second)
	second := startController(t, ns, elected(flags, "second"))

	fj := createFittingJob(t, testutil.FittingJob(ns, "led"))
	waitReady(t, ns, fj.Name)
	first.requests.settle(t)
	if writes := second.requests.mutatingSince(0); len(writes) > 0 {
		t.Errorf("the standby wrote: %v", writes)
	}

	first.stop() // returns once the leader has drained and released the Lease
	released := time.Now()
	forgetSyncs(ns, fj.Name)
	// The wait outlasts the bound, so that a slow take-over fails on the
	// bound, with its figure, rather than on the wait.
	bound := takeOverBound(flags)
	took := waitLeader(t, flags, "second", bound+30*time.Second).Sub(released)
	if took > bound {
		t.Errorf("the standby took the Lease %v after the leader stopped, more than the bound %v "+
			"(a retry period %v with client-go's jitter %.1f, plus one retry period for the round trips)",
			took.Round(time.Millisecond), bound, flags.RetryPeriod.Duration, leaderelection.JitterFactor)
	}
	second.requests.settle(t)
	takeover := createFittingJob(t, testutil.FittingJob(ns, "after"))
	waitReady(t, ns, takeover.Name)
	t.Logf("the standby took the Lease %v after the leader stopped (bound %v); a FittingJob created once it settled was Ready %v after the stop",
		took.Round(time.Millisecond), bound, time.Since(released).Round(time.Millisecond))
	// The new leader synced the first FittingJob, and did not write it again.
	checkSynced(t, "after the take-over", ns, fj.Name)
	if writes := second.requests.mutatingSince(0); strings.Contains(strings.Join(writes, " "), "/led") {
		t.Errorf("the new leader rewrote the first FittingJob's objects: %v", writes)
	}
}

// A leader that dies without releasing the Lease (its requests cut, as a
// crashed process's are) is replaced once the Lease expires: not before,
// so that two replicas never lead at once, and not much later.
func TestStandbyReplacesAKilledLeader(t *testing.T) {
	ns := newNamespace(t)
	flags := leaderFlags(ns)
	first := startController(t, ns, elected(flags, "first"))
	waitLeader(t, flags, "first", 30*time.Second)
	startController(t, ns, elected(flags, "second"))
	fj := createFittingJob(t, testutil.FittingJob(ns, "orphan"))
	waitReady(t, ns, fj.Name)

	first.kill()
	killed := time.Now()
	earliest, bound := flags.LeaseDuration.Duration-2*flags.RetryPeriod.Duration, expiryBound(flags)
	took := waitLeader(t, flags, "second", bound+30*time.Second).Sub(killed)
	switch {
	case took > bound:
		t.Errorf("the standby took the Lease %v after the leader died, more than the bound %v "+
			"(lease duration %v, then twice a retry period %v with client-go's jitter %.1f, plus one retry period for the round trips)",
			took.Round(time.Millisecond), bound, flags.LeaseDuration.Duration, flags.RetryPeriod.Duration, leaderelection.JitterFactor)
	case took < earliest:
		t.Errorf("the standby took the Lease %v after the leader died, before it could expire (lease duration %v less two retry periods: %v)",
			took.Round(time.Millisecond), flags.LeaseDuration.Duration, earliest)
	}
	t.Logf("the standby took the Lease %v after the leader died (between %v and %v)", took.Round(time.Millisecond), earliest, bound)

	// The dead leader, cut off, has given up leading by now (its renew
	// deadline is shorter than the lease); only the new one syncs: a new
	// FittingJob, and a new generation of the one the old leader made
	// Ready (Ready for a generation the old leader never saw).
	first.stop()
	after := createFittingJob(t, testutil.FittingJob(ns, "after"))
	waitReady(t, ns, after.Name)
	fj, err := ihpa.IhpaV1beta2().FittingJobs(ns).Get(context.Background(), fj.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fj.Spec.ExecuteOn = ptrTo[int32](5)
	if _, err := ihpa.IhpaV1beta2().FittingJobs(ns).Update(context.Background(), fj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ns, fj.Name)
}

// leaderFlags are short leader election flags, so that take-overs happen
// within seconds, on a Lease of the test's own.
func leaderFlags(namespace string) app.LeaderElection {
	l := app.NewOptions().LeaderElection
	l.LeaderElect, l.ResourceNamespace, l.ResourceName = true, "fittingjob-system", "fittingjob-controller-"+namespace
	l.LeaseDuration.Duration, l.RenewDeadline.Duration, l.RetryPeriod.Duration = 3*time.Second, 2*time.Second, 500*time.Millisecond
	return l
}

// elected runs a controller as candidate identity under flags.
func elected(flags app.LeaderElection, identity string) func(*app.Options) {
	return func(o *app.Options) {
		o.LeaderElection = flags
		o.LeaderElection.Identity = identity
	}
}

// takeOverBound is how long after a leader releases its Lease a standby
// may take to acquire it: its next attempt comes within a retry period
// stretched by client-go's jitter, and the attempt that sees the Lease
// still held may be on the wire at the release, so one more retry period
// covers the round trips.
func takeOverBound(flags app.LeaderElection) time.Duration {
	return jittered(flags.RetryPeriod.Duration) + flags.RetryPeriod.Duration
}

// expiryBound is how long after a leader dies without releasing its Lease
// a standby may take to acquire it: the standby sees the last renewal
// within a jittered retry period, waits the lease duration from then, and
// tries again within another jittered retry period; one more retry period
// covers the round trips.
func expiryBound(flags app.LeaderElection) time.Duration {
	return flags.LeaseDuration.Duration + 2*jittered(flags.RetryPeriod.Duration) + flags.RetryPeriod.Duration
}

// jittered is the longest wait between two attempts of a candidate:
// client-go's leader elector stretches the retry period by up to
// JitterFactor.
func jittered(retryPeriod time.Duration) time.Duration {
	return time.Duration((1 + leaderelection.JitterFactor) * float64(retryPeriod))
}

// waitLeader waits until identity holds the Lease of flags and returns the
// time it acquired it, as the Lease records it.
func waitLeader(t *testing.T, flags app.LeaderElection, identity string, timeout time.Duration) time.Time {
	t.Helper()
	var acquired time.Time
	eventually(t, timeout, identity+" to hold the Lease "+flags.ResourceName, func(ctx context.Context) (bool, error) {
		l, err := kube.CoordinationV1().Leases(flags.ResourceNamespace).Get(ctx, flags.ResourceName, metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != identity || l.Spec.AcquireTime == nil {
			return false, nil
		}
		acquired = l.Spec.AcquireTime.Time
		return true, nil
	})
	return acquired
}
