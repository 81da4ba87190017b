// Package promrules checks the PrometheusRule that manifests/ ships with
// Prometheus's own rule parser (model/rulefmt, which parses every
// expression with promql/parser and every annotation template), so that
// `make verify` refuses a rule a real Prometheus would refuse; and the
// monitoring component's Grafana dashboard (dashboard.go). It is a module
// of its own so that Prometheus never enters the product's module graph.
package promrules

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// Parser is the PromQL parser of a Prometheus with default settings: no
// experimental functions, so a rule that needs a feature flag is refused.
var Parser = parser.NewParser(parser.Options{})

// prometheusRule is as much of a monitoring.coreos.com/v1 PrometheusRule as
// the check needs: its spec.groups are a Prometheus rule file's groups.
type prometheusRule struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Spec       struct {
		Groups yaml.Node `yaml:"groups"`
	} `yaml:"spec"`
}

// RuleFile returns the spec.groups of the PrometheusRule in data as the
// content of a Prometheus rule file (`groups: [...]`).
func RuleFile(data []byte) ([]byte, error) {
	var pr prometheusRule
	if err := yaml.Unmarshal(data, &pr); err != nil {
		return nil, err
	}
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" {
		return nil, fmt.Errorf("not a monitoring.coreos.com/v1 PrometheusRule: %s %s", pr.APIVersion, pr.Kind)
	}
	if pr.Spec.Groups.Kind == 0 {
		return nil, fmt.Errorf("PrometheusRule has no spec.groups")
	}
	return yaml.Marshal(map[string]*yaml.Node{"groups": &pr.Spec.Groups})
}

// Parse parses and validates a rule file as Prometheus does when it loads
// one, refusing unknown fields (a misspelt `for` would otherwise be
// dropped silently).
func Parse(ruleFile []byte) (*rulefmt.RuleGroups, []error) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	return rulefmt.Parse(ruleFile, false, model.UTF8Validation, Parser, logger)
}

// ParsePrometheusRule reads the PrometheusRule in path and parses its groups.
func ParsePrometheusRule(path string) (*rulefmt.RuleGroups, []error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []error{err}
	}
	ruleFile, err := RuleFile(data)
	if err != nil {
		return nil, []error{fmt.Errorf("%s: %w", path, err)}
	}
	groups, errs := Parse(ruleFile)
	for i := range errs {
		errs[i] = fmt.Errorf("%s: %w", path, errs[i])
	}
	if len(errs) == 0 && groups != nil && len(groups.Groups) == 0 {
		errs = append(errs, fmt.Errorf("%s: no rule groups", path))
	}
	return groups, errs
}
