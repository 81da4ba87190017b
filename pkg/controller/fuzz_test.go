package controller

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/metrics"
)

// FuzzSync sends what a FittingJob's author writes through everything that
// reads it: the generator's validation (what admission checks), Desired,
// and a whole sync with a run in progress, whose Job carries the author's
// deadline. No input may make the sync panic: parsers of user text are
// guarded (their panics become errors, counted apart), and every message
// written fits the API's limits. The seed corpus runs with every
// `go test`; `go test -fuzz FuzzSync ./pkg/controller` explores.
func FuzzSync(f *testing.F) {
	long := strings.Repeat("x", 1<<20)
	for _, seed := range []struct {
		schedule, timeZone, text string
		hour                     int32
		deadline                 int64
	}{
		{"", "", "", 4, 0},
		{"*/5 * * * *", "Europe/Paris", "metric", 0, 600},
		// robfig/cron panics on a TZ= or CRON_TZ= prefix with no ASCII
		// space after it.
		{"TZ=UTC\t0\t4\t*\t*", "", "", 4, 0},
		{"CRON_TZ=Asia/Tokyo\t0\t4\t*\t*", "", "", 4, 0},
		{"TZ=", "", "", 4, 0},
		{"CRON_TZ=x", "UTC", "", 4, 0},
		{"TZ=UTC 0 4 * * *", "", "", 4, 0},
		// Whitespace and unicode where the CronJob API expects spaces.
		{"0\t4\t*\t*\t*", "", "", 4, 0},
		{"0\u00a04 * * *", "", "\u00a0", 4, 0},
		{"0 4 * * *\n0 5 * * *", "", "", 4, 0},
		{"@every 1ns", "", "", 4, 0},
		{"@every -1s", "", "", 4, 0},
		{"0 0 30 2 *", "", "", 4, 0}, // never fires
		{"*/0 * * * *", "", "", 4, 0},
		{"0-59/9223372036854775807 * * * *", "", "", 4, 0},
		// Time zones the parser reads from the file system.
		{"0 4 * * *", "../../../etc/passwd", "", 4, 0},
		{"0 4 * * *", "Local", "", 4, 0},
		{"0 4 * * *", "UTC 0", "", 4, 0},
		{"0 4 * * *", "\x00", "", 4, 0},
		// Megabyte strings and extreme integers.
		{long, long, long, 4, 0},
		{"", "", "", -1, math.MaxInt64},
		{"", "", "", math.MaxInt32, math.MinInt64},
		{"", "", "", math.MinInt32, 1},
	} {
		f.Add(seed.schedule, seed.timeZone, seed.text, seed.hour, seed.deadline)
	}
	f.Fuzz(func(t *testing.T, schedule, timeZone, text string, hour int32, deadline int64) {
		fj := newFittingJob("web")
		fj.Spec.Schedule = schedule
		if timeZone != "" {
			fj.Spec.TimeZone = &timeZone
		}
		fj.Spec.ExecuteOn = &hour
		fj.Spec.ActiveDeadlineSeconds = &deadline
		fj.Spec.CustomConfig = text
		fj.Spec.Metric.Name = "m" + text
		fj.Spec.Metric.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{text: text}}
		fj.Spec.Volumes = []corev1.Volume{{Name: "v" + text}}
		fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: text}

		_, errs := generator.Desired(fj) // admission-equivalent validation
		sync := newFixture(t)
		sync.now = runStart.Add(time.Hour)
		sync.fittingJobs = append(sync.fittingJobs, fj)
		run := runJob(fj, "web-1", runStart)
		run.Spec.ActiveDeadlineSeconds = ptr.To(deadline)
		sync.jobs = append(sync.jobs, run)
		sync.pods = append(sync.pods, runPod(run, "web-1-a", waiting("ImagePullBackOff", text)))

		panics := testutil.ToFloat64(metrics.Panics.WithLabelValues("sync"))
		actions, err := sync.sync(fj)
		if err != nil {
			t.Fatalf("sync returned %v: the fake API server refuses nothing", err)
		}
		if testutil.ToFloat64(metrics.Panics.WithLabelValues("sync")) != panics {
			t.Fatal("a panic reached the worker")
		}
		written := onlyStatusWrite(t, actions)
		for _, c := range written.Status.Conditions {
			if len(c.Message) > maxConditionMessage {
				t.Errorf("%s message of %d bytes", c.Type, len(c.Message))
			}
		}
		ready := meta.FindStatusCondition(written.Status.Conditions, ihpav1beta2.ConditionReady)
		if wantInvalid := len(errs) > 0; ready == nil || (ready.Reason == ihpav1beta2.ReasonInvalidSpec) != wantInvalid {
			t.Errorf("Ready = %+v with validation errors %v", ready, errs)
		}
		for _, event := range sync.events() {
			if _, message, _ := strings.Cut(strings.SplitN(event, " ", 2)[1], " "); len(message) > maxEventMessage {
				t.Errorf("event message of %d bytes", len(message))
			}
		}
	})
}
