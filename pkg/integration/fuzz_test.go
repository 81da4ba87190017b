//go:build integration

package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator/fuzzer"
)

// The generator's validation is admission-equivalent, on the FittingJobs
// of the fuzz corpus and 400 more from a fixed seed, half of them hostile
// (fuzzer.Case), all sent to the API server with a server-side dry-run
// (nothing is stored):
//   - every FittingJob the API server admits, the generator's validation
//     accepts, and the API server admits the ConfigMap and CronJob the
//     generator makes of it, except where the fuzzer says that only the
//     CronJob API can refuse it (a well-formed schedule out of range, an
//     unknown time zone: the controller reports CronJobRejected), and
//     then the API server refuses the CronJob naming that field;
//   - every FittingJob the API server refuses is one the fuzzer meant to
//     be refused, the API server's message names the field, and the
//     generator's validation refuses it naming the same field;
//   - the schedule of every admitted FittingJob parses as the controller
//     parses it (robfig/cron, which panics on some TZ= prefixes), without
//     panicking, and without error unless the CronJob is refused for it.
//
// Every hostile class must come up at least once.
func TestFuzzedChildrenPassAPIValidation(t *testing.T) {
	ns := newNamespace(t)
	inputs := fuzzer.Seeds()
	random := rand.New(rand.NewPCG(1, 2))
	for range 400 {
		data := make([]byte, 64+random.IntN(192))
		for i := range data {
			data[i] = byte(random.UintN(256))
		}
		inputs = append(inputs, data)
	}

	ctx := context.Background()
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	seen := map[string]int{}
	for i, data := range inputs {
		fj, want := fuzzer.Case(ns, data)
		seen[want.Class]++
		where := fmt.Sprintf("input %d (%s)", i, want.Class)
		fj.UID, fj.Generation = "", 0
		_, admission := ihpa.IhpaV1beta2().FittingJobs(ns).Create(ctx, fj, dryRun)
		fj.UID = "dry-run-uid"
		children, errs := generator.Desired(fj)

		if admission != nil {
			switch {
			case !apierrors.IsInvalid(admission):
				t.Errorf("%s: the API server fails otherwise than refusing it as invalid: %.1000v", where, admission)
			case want.Refused == "":
				t.Errorf("%s: the CRD refuses a FittingJob the fuzzer considers admissible: %.1000v", where, admission)
			case !strings.Contains(admission.Error(), want.Refused):
				t.Errorf("%s: the API server's message does not name %s: %.1000v", where, want.Refused, admission)
			case !slices.ContainsFunc(errs, func(e *field.Error) bool { return e.Field == want.Refused }):
				t.Errorf("%s: the API server refuses %s, the generator's validation does not: %.1000v", where, want.Refused, errs)
			}
			continue
		}

		if want.Refused != "" {
			t.Errorf("%s: the CRD admits a FittingJob it should refuse for %s", where, want.Refused)
		}
		parseAsTheController(t, where, want, generator.Schedule(fj), fj.Spec.TimeZone)
		if len(errs) > 0 {
			t.Errorf("%s: the generator's validation refuses a FittingJob the API server admits: %.1000v", where, errs.ToAggregate())
			continue
		}
		if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, children.ConfigMap, dryRun); err != nil {
			t.Errorf("%s: the API server refuses the ConfigMap: %.1000v", where, err)
		}
		_, err := kube.BatchV1().CronJobs(ns).Create(ctx, children.CronJob, dryRun)
		switch {
		case want.CronJobRefused == "" && err != nil:
			t.Errorf("%s: the API server refuses the CronJob: %.1000v", where, err)
		case want.CronJobRefused != "" && err == nil:
			t.Errorf("%s: the API server admits the CronJob, which the fuzzer says it refuses for %s", where, want.CronJobRefused)
		case want.CronJobRefused != "" && (!apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want.CronJobRefused)):
			t.Errorf("%s: the API server refuses the CronJob, but not as invalid %s: %.1000v", where, want.CronJobRefused, err)
		}
	}

	for _, class := range append(fuzzer.Classes(), fuzzer.Admissible) {
		if seen[class] == 0 {
			t.Errorf("no input of class %q", class)
		}
		t.Logf("%4d %s", seen[class], class)
	}
}

// parseAsTheController parses an admitted schedule as the controller's
// period.go does (the zone loaded, then given as a TZ= prefix): it must
// not panic, and fail only where the fuzzer says the CronJob API refuses
// the schedule or the zone.
func parseAsTheController(t *testing.T, where string, want fuzzer.Want, schedule string, timeZone *string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: robfig/cron panics on the admitted schedule %q (time zone %v): %v", where, schedule, timeZone, r)
		}
	}()
	spec := schedule
	if timeZone != nil {
		if _, err := time.LoadLocation(*timeZone); err != nil {
			if want.CronJobRefused != "spec.timeZone" {
				t.Errorf("%s: admitted time zone %q does not load: %v", where, *timeZone, err)
			}
			return
		}
		spec = "TZ=" + *timeZone + " " + schedule
	}
	switch _, err := cron.ParseStandard(spec); {
	case err != nil && want.CronJobRefused != "spec.schedule":
		t.Errorf("%s: admitted schedule %q does not parse: %v", where, schedule, err)
	case err == nil && want.CronJobRefused == "spec.schedule":
		t.Errorf("%s: schedule %q parses, but the fuzzer says the CronJob API refuses it", where, schedule)
	}
}
