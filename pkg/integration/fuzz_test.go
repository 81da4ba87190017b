//go:build integration

package integration

import (
	"context"
	"math/rand/v2"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator/fuzzer"
)

// The FittingJobs of the generator's fuzz corpus, and 300 more from a
// fixed seed, are admitted by the CRD, and the ConfigMap and CronJob the
// generator makes of each pass the API server's own validation
// (server-side dry-run: nothing is stored).
func TestFuzzedChildrenPassAPIValidation(t *testing.T) {
	ns := newNamespace(t)
	inputs := fuzzer.Seeds()
	random := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		data := make([]byte, 64+random.IntN(192))
		for i := range data {
			data[i] = byte(random.UintN(256))
		}
		inputs = append(inputs, data)
	}

	ctx := context.Background()
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	for i, data := range inputs {
		fj := fuzzer.FittingJob(ns, data)
		fj.UID, fj.Generation = "", 0
		if _, err := ihpa.IhpaV1beta2().FittingJobs(ns).Create(ctx, fj, dryRun); err != nil {
			t.Errorf("input %d: the CRD refuses a FittingJob the fuzzer considers valid: %v\n%+v", i, err, fj.Spec)
			continue
		}
		fj.UID = "dry-run-uid"
		children, errs := generator.Desired(fj)
		if len(errs) > 0 {
			t.Fatalf("input %d: %v", i, errs.ToAggregate())
		}
		if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, children.ConfigMap, dryRun); err != nil {
			t.Errorf("input %d: the API server refuses the ConfigMap: %v", i, err)
		}
		if _, err := kube.BatchV1().CronJobs(ns).Create(ctx, children.CronJob, dryRun); err != nil {
			t.Errorf("input %d: the API server refuses the CronJob: %v\n%+v", i, err, fj.Spec)
		}
	}
}
