package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

func condition(conditionType string, status metav1.ConditionStatus, reason string) metav1.Condition {
	return metav1.Condition{Type: conditionType, Status: status, Reason: reason}
}

// TestStatusConditionSeries follows one FittingJob's conditions through
// their statuses and reasons, next to another FittingJob, until it is
// forgotten: each condition has its three status series with exactly one
// of them 1, and exactly one reason series, the current one.
func TestStatusConditionSeries(t *testing.T) {
	const header = `
# HELP fittingjob_status_condition The FittingJob's conditions (Ready, ForecastFresh), one-hot: for each, 1 for its current status (true, false, unknown) and 0 for the other two; a condition not recorded counts as unknown.
# TYPE fittingjob_status_condition gauge
# HELP fittingjob_status_condition_reason The reason of each of the FittingJob's conditions: 1 for the current reason, and no series for the others; none while the condition is not recorded.
# TYPE fittingjob_status_condition_reason gauge
`
	other := `
fittingjob_status_condition{condition="ForecastFresh",fittingjob="other",namespace="team-b",status="false"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="other",namespace="team-b",status="true"} 1
fittingjob_status_condition{condition="ForecastFresh",fittingjob="other",namespace="team-b",status="unknown"} 0
fittingjob_status_condition{condition="Ready",fittingjob="other",namespace="team-b",status="false"} 0
fittingjob_status_condition{condition="Ready",fittingjob="other",namespace="team-b",status="true"} 1
fittingjob_status_condition{condition="Ready",fittingjob="other",namespace="team-b",status="unknown"} 0
fittingjob_status_condition_reason{condition="ForecastFresh",fittingjob="other",namespace="team-b",reason="FitSucceeded"} 1
fittingjob_status_condition_reason{condition="Ready",fittingjob="other",namespace="team-b",reason="Synced"} 1
`
	ObserveFittingJob("team-b", "other", &ihpav1beta2.FittingJobStatus{Conditions: []metav1.Condition{
		condition(ihpav1beta2.ConditionReady, metav1.ConditionTrue, ihpav1beta2.ReasonSynced),
		condition(ihpav1beta2.ConditionForecastFresh, metav1.ConditionTrue, ihpav1beta2.ReasonFitSucceeded),
	}})

	steps := []struct {
		name       string
		conditions []metav1.Condition
		want       string
	}{{
		name: "Ready True, ForecastFresh not recorded yet: unknown, no reason",
		conditions: []metav1.Condition{
			condition(ihpav1beta2.ConditionReady, metav1.ConditionTrue, ihpav1beta2.ReasonSynced),
		},
		want: `
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="false"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="true"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="unknown"} 1
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="false"} 0
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="true"} 1
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="unknown"} 0
fittingjob_status_condition_reason{condition="Ready",fittingjob="web",namespace="team-a",reason="Synced"} 1
`,
	}, {
		name: "both False: the new reasons replace the old",
		conditions: []metav1.Condition{
			condition(ihpav1beta2.ConditionReady, metav1.ConditionFalse, ihpav1beta2.ReasonConfigMapConflict),
			condition(ihpav1beta2.ConditionForecastFresh, metav1.ConditionFalse, ihpav1beta2.ReasonFitFailed),
		},
		want: `
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="false"} 1
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="true"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="unknown"} 0
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="false"} 1
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="true"} 0
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="unknown"} 0
fittingjob_status_condition_reason{condition="ForecastFresh",fittingjob="web",namespace="team-a",reason="FitFailed"} 1
fittingjob_status_condition_reason{condition="Ready",fittingjob="web",namespace="team-a",reason="ConfigMapConflict"} 1
`,
	}, {
		name: "ForecastFresh Unknown with a reason; Ready's reason changes, its status does not",
		conditions: []metav1.Condition{
			condition(ihpav1beta2.ConditionReady, metav1.ConditionFalse, ihpav1beta2.ReasonAPIError),
			condition(ihpav1beta2.ConditionForecastFresh, metav1.ConditionUnknown, ihpav1beta2.ReasonInvalidSchedule),
		},
		want: `
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="false"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="true"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="unknown"} 1
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="false"} 1
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="true"} 0
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="unknown"} 0
fittingjob_status_condition_reason{condition="ForecastFresh",fittingjob="web",namespace="team-a",reason="InvalidSchedule"} 1
fittingjob_status_condition_reason{condition="Ready",fittingjob="web",namespace="team-a",reason="APIError"} 1
`,
	}, {
		name: "the same status again changes nothing",
		conditions: []metav1.Condition{
			condition(ihpav1beta2.ConditionReady, metav1.ConditionFalse, ihpav1beta2.ReasonAPIError),
			condition(ihpav1beta2.ConditionForecastFresh, metav1.ConditionUnknown, ihpav1beta2.ReasonInvalidSchedule),
		},
		want: `
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="false"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="true"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="unknown"} 1
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="false"} 1
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="true"} 0
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="unknown"} 0
fittingjob_status_condition_reason{condition="ForecastFresh",fittingjob="web",namespace="team-a",reason="InvalidSchedule"} 1
fittingjob_status_condition_reason{condition="Ready",fittingjob="web",namespace="team-a",reason="APIError"} 1
`,
	}, {
		name: "ForecastFresh no longer recorded: unknown, its reason gone",
		conditions: []metav1.Condition{
			condition(ihpav1beta2.ConditionReady, metav1.ConditionTrue, ihpav1beta2.ReasonSynced),
		},
		want: `
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="false"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="true"} 0
fittingjob_status_condition{condition="ForecastFresh",fittingjob="web",namespace="team-a",status="unknown"} 1
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="false"} 0
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="true"} 1
fittingjob_status_condition{condition="Ready",fittingjob="web",namespace="team-a",status="unknown"} 0
fittingjob_status_condition_reason{condition="Ready",fittingjob="web",namespace="team-a",reason="Synced"} 1
`,
	}}
	for _, step := range steps {
		ObserveFittingJob("team-a", "web", &ihpav1beta2.FittingJobStatus{Conditions: step.conditions})
		if err := testutil.GatherAndCompare(Registry, strings.NewReader(header+step.want+other),
			"fittingjob_status_condition", "fittingjob_status_condition_reason"); err != nil {
			t.Errorf("%s: %v", step.name, err)
		}
	}

	ForgetFittingJob("team-a", "web")
	if err := testutil.GatherAndCompare(Registry, strings.NewReader(header+other),
		"fittingjob_status_condition", "fittingjob_status_condition_reason"); err != nil {
		t.Errorf("after ForgetFittingJob: %v", err)
	}

	// A FittingJob of the same name created again starts afresh.
	ObserveFittingJob("team-a", "web", &ihpav1beta2.FittingJobStatus{Conditions: []metav1.Condition{
		condition(ihpav1beta2.ConditionReady, metav1.ConditionTrue, ihpav1beta2.ReasonSynced),
	}})
	if err := testutil.GatherAndCompare(Registry, strings.NewReader(header+steps[0].want+other),
		"fittingjob_status_condition", "fittingjob_status_condition_reason"); err != nil {
		t.Errorf("after the FittingJob is created again: %v", err)
	}
	ForgetFittingJob("team-a", "web")
	ForgetFittingJob("team-b", "other")
}
