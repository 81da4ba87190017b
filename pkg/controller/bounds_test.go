package controller

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	core "k8s.io/client-go/testing"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     string
		limit int
		want  string
	}{
		{"within the limit", "short", 20, "short"},
		{"at the limit", strings.Repeat("a", 20), 20, strings.Repeat("a", 20)},
		{"over the limit", strings.Repeat("a", 21), 20, strings.Repeat("a", 20-len(truncatedMarker)) + truncatedMarker},
		// "é" is two bytes: a cut through it would leave invalid UTF-8.
		{"on a rune boundary", "x" + strings.Repeat("é", 20), 20, "x" + strings.Repeat("é", 2) + truncatedMarker},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cut(tc.s, tc.limit)
			if got != tc.want {
				t.Errorf("cut(%q, %d) = %q, want %q", tc.s, tc.limit, got, tc.want)
			}
			if len(got) > tc.limit || !utf8.ValidString(got) {
				t.Errorf("cut(%q, %d) = %q: %d bytes, valid UTF-8 %v", tc.s, tc.limit, got, len(got), utf8.ValidString(got))
			}
		})
	}
}

// The API server's refusal of a child quotes what the user wrote (a label
// key of 40 KiB, say); however long that is, the status and the event
// still fit the API's limits, so that the status write is not refused at
// every retry.
func TestLongMessagesAreCutToTheAPILimits(t *testing.T) {
	f := newFixture(t)
	fj := newFittingJob("web")
	huge := strings.Repeat("k", 40*1024)
	fj.Spec.NodeSelector = map[string]string{huge: "x"}
	f.fittingJobs = append(f.fittingJobs, fj)
	invalid := apierrors.NewInvalid(batchv1.SchemeGroupVersion.WithKind("CronJob").GroupKind(), "web",
		field.ErrorList{field.Invalid(field.NewPath("spec", "jobTemplate", "spec", "template", "spec", "nodeSelector"), huge, "name part must be no more than 63 characters")})
	f.kubeReactors = append(f.kubeReactors, reactor{"create", "cronjobs", func(core.Action) (bool, runtime.Object, error) {
		return true, nil, invalid
	}})

	actions, err := f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	written := onlyStatusWrite(t, actions)
	ready := meta.FindStatusCondition(written.Status.Conditions, ihpav1beta2.ConditionReady)
	if ready == nil || ready.Reason != ihpav1beta2.ReasonCronJobRejected {
		t.Fatalf("Ready = %+v, want CronJobRejected", ready)
	}
	if len(ready.Message) > maxConditionMessage || !strings.HasSuffix(ready.Message, truncatedMarker) {
		t.Errorf("Ready message is %d bytes (limit %d), ends %q", len(ready.Message), maxConditionMessage, ready.Message[max(0, len(ready.Message)-20):])
	}
	events := f.events()
	if len(events) != 1 {
		t.Fatalf("events = %d, want 1", len(events))
	}
	message := strings.TrimPrefix(events[0], "Warning CronJobRejected ")
	if len(message) > maxEventMessage || !strings.HasSuffix(message, truncatedMarker) {
		t.Errorf("event message is %d bytes (limit %d)", len(message), maxEventMessage)
	}
}

// A time from the future (a hand-edited Job, a broken clock) never sticks
// in the status, where success and schedule times never go backwards.
func TestTimesFromTheFutureAreNotBelieved(t *testing.T) {
	now := runStart.Add(time.Hour)
	future := metav1.NewTime(now.Add(365 * 24 * time.Hour))
	nearFuture := metav1.NewTime(now.Add(maxClockSkew / 2))
	fj := newFittingJob("web")

	job := runJob(fj, "web-1", runStart, completed(future))
	job.Annotations[batchv1.CronJobScheduledTimestampAnnotation] = future.UTC().Format(time.RFC3339)
	if got := lastSuccess(nil, nil, []*batchv1.Job{job}, now); got == nil || !got.Equal(&runStart) {
		t.Errorf("a success completed in the future counts at %v, want the Job's creation %v", got, runStart)
	}
	if got := lastSchedule(nil, nil, []*batchv1.Job{job}, now); got != nil {
		t.Errorf("a scheduled time in the future counts: %v", got)
	}
	if got := lastSuccess(&future, nil, nil, now); got != nil {
		t.Errorf("a recorded success in the future stays: %v", got)
	}
	skewed := runJob(fj, "web-2", runStart, completed(nearFuture))
	if got := lastSuccess(nil, nil, []*batchv1.Job{skewed}, now); got == nil || !got.Equal(&nearFuture) {
		t.Errorf("a completion within the clock skew allowance counts at %v, want %v", got, nearFuture)
	}

	// Through a whole sync: the forecast is not fresh until a year from now.
	f := newFixture(t)
	f.now = now
	f.withChildren(fj)
	f.jobs = append(f.jobs, job)
	actions, err := f.sync(fj)
	if err != nil {
		t.Fatal(err)
	}
	written := onlyStatusWrite(t, actions)
	if got := written.Status.LastSuccessfulTime; got == nil || got.After(now) {
		t.Errorf("lastSuccessfulTime = %v, want not after %v", got, now)
	}
	if got := written.Status.LastRun; got == nil || got.CompletionTime == nil || got.CompletionTime.After(now) {
		t.Errorf("lastRun = %+v, want a completion not after %v", got, now)
	}
}
