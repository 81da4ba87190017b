package promrules

import (
	"os"
	"strings"
	"testing"
)

// shipped is the PrometheusRule of the monitoring component.
const shipped = "../../manifests/components/monitoring/prometheus_rule.yaml"

// runbook is the page whose sections are the alerts' runbook, and
// runbookURL the address of that page on GitHub: each alert's runbook_url
// is runbookURL followed by the anchor of its section, a level-3 heading
// named after the alert (GitHub's anchor of a heading is its text in lower
// case).
const (
	runbook    = "../../manifests/README.md"
	runbookURL = "https://github.com/intelligent-hpa/fittingjob-controller/blob/main/manifests/README.md#"
)

func TestShippedRulesParse(t *testing.T) {
	groups, errs := ParsePrometheusRule(shipped)
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		return
	}
	page, err := os.ReadFile(runbook)
	if err != nil {
		t.Fatal(err)
	}
	headings := map[string]bool{}
	for _, line := range strings.Split(string(page), "\n") {
		if name, ok := strings.CutPrefix(line, "### "); ok {
			headings[name] = true
		}
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
			if want := runbookURL + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
				t.Errorf("%s: runbook_url %q, want %q, its section of the runbook", r.Alert, r.Annotations["runbook_url"], want)
			}
			if !headings[r.Alert] {
				t.Errorf("%s: %s has no section \"### %s\" for the alert's runbook_url to point at", r.Alert, runbook, r.Alert)
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
