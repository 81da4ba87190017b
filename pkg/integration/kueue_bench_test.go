//go:build integration

package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// BenchmarkQueuedFits measures how long N fits started at once take until
// every FittingJob reports its success, unqueued and queued to a
// ClusterQueue that admits 3 at once, side by side on the same local
// control plane (whose kwok ends a fit's Pod about a second after it
// starts). One op is the whole batch; "s/fit" is that time per fit.
//
//	make bench-kueue KUEUE_BENCHTIME=1x
func BenchmarkQueuedFits(b *testing.B) {
	for _, fits := range []int{12, 120} {
		for _, queued := range []bool{false, true} {
			name := fmt.Sprintf("fits=%d/unqueued", fits)
			if queued {
				name = fmt.Sprintf("fits=%d/queued-3-at-once", fits)
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					runFitsAtOnce(b, fits, queued)
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*fits), "s/fit")
			})
		}
	}
}

// runFitsAtOnce creates fits FittingJobs in a namespace of their own (with
// a queue admitting 3 when queued), waits until their children are in
// sync, and then, timed, starts a run of each and waits until every one
// reports its success.
func runFitsAtOnce(b *testing.B, fits int, queued bool) {
	b.StopTimer()
	ns := newNamespace(b)
	if queued {
		kueueQueue(b, ns, 3)
	}
	startController(b, ns)
	names := make([]string, fits)
	for i := range names {
		names[i] = fmt.Sprintf("fit-%03d", i)
		fj := runFittingJob(ns, names[i], imageSucceeds, yearly)
		if queued {
			fj.Spec.QueueName = "fits"
		}
		createFittingJob(b, fj)
	}
	for _, name := range names {
		waitReady(b, ns, name)
	}
	b.StartTimer()

	for _, name := range names {
		startRun(b, ns, name, name+"-manual")
	}
	eventually(b, 10*time.Minute, "every fit to succeed", func(ctx context.Context) (bool, error) {
		list, err := ihpa.IhpaV1beta2().FittingJobs(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		succeeded := 0
		for _, fj := range list.Items {
			if run := fj.Status.LastRun; run != nil && run.Outcome == ihpav1beta2.RunSucceeded {
				succeeded++
			}
		}
		return succeeded == fits, nil
	})
	b.StopTimer()
}
