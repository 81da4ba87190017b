package generator

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

func scheduledJob(namespace, name string, executeOn *int32, schedule string) *ihpav1beta2.FittingJob {
	return &ihpav1beta2.FittingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       ihpav1beta2.FittingJobSpec{ExecuteOn: executeOn, Schedule: schedule},
	}
}

// TestSchedule pins whole cron expressions, minutes included: the minutes
// were computed independently (FNV-1a 32 of "<namespace>/<name>", mod 60).
// If one changes, every user's fitting moves to another minute: do not
// update these values without a migration story.
func TestSchedule(t *testing.T) {
	for _, tc := range []struct {
		name string
		fj   *ihpav1beta2.FittingJob
		want string
	}{
		{"executeOn 12", scheduledJob("default", "fittingjob", ptrTo[int32](12), ""), "5 12 * * *"},
		{"executeOn 0 is midnight, not the default", scheduledJob("default", "fittingjob", ptrTo[int32](0), ""), "5 0 * * *"},
		{"executeOn 23", scheduledJob("default", "fittingjob", ptrTo[int32](23), ""), "5 23 * * *"},
		{"no executeOn defaults to 4", scheduledJob("default", "fittingjob", nil, ""), "5 4 * * *"},
		{"the namespace is part of the hash", scheduledJob("team-a", "fittingjob", nil, ""), "21 4 * * *"},
		{"another name", scheduledJob("team-a", "ihpa-web-cpu", nil, ""), "37 4 * * *"},
		{"spec.schedule overrides executeOn and the minute", scheduledJob("default", "fittingjob", ptrTo[int32](12), "*/30 * * * *"), "*/30 * * * *"},
		{"spec.schedule macro", scheduledJob("default", "fittingjob", nil, "@daily"), "@daily"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Schedule(tc.fj); got != tc.want {
				t.Errorf("Schedule = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestScheduleIsStable: the same FittingJob gets the same minute on every
// call, so a resync never rewrites the CronJob.
func TestScheduleIsStable(t *testing.T) {
	first := Schedule(scheduledJob("default", "fittingjob", nil, ""))
	for range 100 {
		if again := Schedule(scheduledJob("default", "fittingjob", nil, "")); again != first {
			t.Fatalf("Schedule changed between calls: %q then %q", first, again)
		}
	}
}

// TestScheduleSpreadsOverTheHour: many FittingJobs at the same hour (the
// IHPA controller names them alike) do not pile up on a few minutes.
func TestScheduleSpreadsOverTheHour(t *testing.T) {
	const jobs = 1000
	var perMinute [60]int
	for i := range jobs {
		fj := scheduledJob("default", fmt.Sprintf("ihpa-app%d-cpu", i), ptrTo[int32](4), "")
		fields := strings.Fields(Schedule(fj))
		if len(fields) != 5 || fields[1] != "4" {
			t.Fatalf("Schedule = %q, want \"<m> 4 * * *\"", Schedule(fj))
		}
		m, err := strconv.Atoi(fields[0])
		if err != nil || m < 0 || m > 59 {
			t.Fatalf("Schedule = %q: the minute is not 0-59", Schedule(fj))
		}
		perMinute[m]++
	}
	used, most := 0, 0
	for _, n := range perMinute {
		if n > 0 {
			used++
		}
		most = max(most, n)
	}
	if used < 55 {
		t.Errorf("%d jobs use %d of 60 minutes, want at least 55: %v", jobs, used, perMinute)
	}
	if mean := jobs / 60.0; float64(most) > 3*mean {
		t.Errorf("the busiest minute has %d jobs, more than 3 times the mean %.1f: %v", most, mean, perMinute)
	}
}

// TestSpreadMinuteFollowsTheDefinition: the generator's minute is the one
// the API's documentation defines (testutil.SpreadMinute, written apart
// from the generator), for every name the IHPA controller would make in a
// few namespaces.
func TestSpreadMinuteFollowsTheDefinition(t *testing.T) {
	for _, namespace := range []string{"default", "team-a", "kube-system"} {
		for i := range 200 {
			name := fmt.Sprintf("ihpa-web%03d-http-requests-total", i)
			want := fmt.Sprintf("%d 4 * * *", testutil.SpreadMinute(namespace, name))
			if got := Schedule(scheduledJob(namespace, name, nil, "")); got != want {
				t.Fatalf("Schedule(%s/%s) = %q, want %q", namespace, name, got, want)
			}
		}
	}
}
