package promrules

import (
	"os"
	"strings"
	"testing"
)

// shipped is the PrometheusRule of the monitoring component.
const shipped = "../../manifests/components/monitoring/prometheus_rule.yaml"

func TestShippedRulesParse(t *testing.T) {
	groups, errs := ParsePrometheusRule(shipped)
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		return
	}
	alerts := 0
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts++
			switch r.Labels["severity"] {
			case "warning", "critical":
			default:
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, r.Labels["severity"])
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			if !strings.Contains(r.Annotations["runbook_url"], "README.md#alerts") {
				t.Errorf("%s: runbook_url %q does not point at the README's Alerts section", r.Alert, r.Annotations["runbook_url"])
			}
		}
	}
	if alerts == 0 {
		t.Error("no alerting rules")
	}
}

// The negative control: the check refuses what Prometheus would refuse.
// Each case breaks the shipped file in one way.
func TestBrokenRulesAreRefused(t *testing.T) {
	data, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	original := string(data)
	for _, tc := range []struct {
		name, old, new string
	}{
		{"unbalanced parenthesis", "max by (namespace, fittingjob) (fittingjob_forecast_fresh)", "max by (namespace, fittingjob) (fittingjob_forecast_fresh"},
		{"unknown function", "absent(", "absents("},
		{"unknown field (misspelt for)", "      for: 30m", "      fro: 30m"},
		{"bad duration", "for: 30m", "for: 30 minutes"},
		{"broken template", "{{ $labels.namespace }}/{{ $labels.fittingjob }} is not fresh", "{{ $labels.namespace }/{{ $labels.fittingjob }} is not fresh"},
		{"alert name that is not a valid metric name", "alert: FittingJobFitFailing", "alert: \"\""},
		{"not a PrometheusRule", "kind: PrometheusRule", "kind: ConfigMap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(original, tc.old) {
				t.Fatalf("the shipped rules no longer contain %q: update this case", tc.old)
			}
			broken := strings.Replace(original, tc.old, tc.new, 1)
			ruleFile, err := RuleFile([]byte(broken))
			if err != nil {
				return
			}
			if _, errs := Parse(ruleFile); len(errs) == 0 {
				t.Errorf("accepted a rule file with %s", tc.name)
			}
		})
	}
}
