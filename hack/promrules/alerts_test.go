package promrules

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
)

// evalInterval is how often the rules are evaluated in these tests (the
// Prometheus default evaluation interval).
const evalInterval = time.Minute

// scenario is a promtool-style unit test of one alert: series loaded with
// promqltest's notation, the rule evaluated every evalInterval from time 0
// to at, and the alerts firing then.
type scenario struct {
	name   string
	alert  string
	series string
	at     time.Duration
	// want: each firing alert's labels other than alertname and severity,
	// as "k=v,k=v" sorted by key; none when nothing may fire.
	// absent() of a comparison keeps no labels: its one alert is noLabels.
	want []string
	// summary: a substring each firing alert's expanded summary must have.
	summary string
}

const noLabels = ""

var scenarios = []scenario{
	{
		name:  "stale for longer than the hold time fires once per FittingJob, replicas merged",
		alert: "FittingJobForecastStale",
		series: `
load 1m
  fittingjob_forecast_fresh{namespace="team-a",fittingjob="web",pod="replica-1"} 1 1 0x40
  fittingjob_forecast_fresh{namespace="team-a",fittingjob="web",pod="replica-2"} 1 1 0x40
  fittingjob_forecast_fresh{namespace="team-a",fittingjob="api",pod="replica-1"} 1x42
`,
		at:      35 * time.Minute,
		want:    []string{"fittingjob=web,namespace=team-a"},
		summary: "team-a/web",
	},
	{
		name:  "stale for less than the hold time does not fire yet",
		alert: "FittingJobForecastStale",
		series: `
load 1m
  fittingjob_forecast_fresh{namespace="team-a",fittingjob="web"} 1 1 0x40
`,
		at: 25 * time.Minute,
	},
	{
		name:  "fresh again resolves",
		alert: "FittingJobForecastStale",
		series: `
load 1m
  fittingjob_forecast_fresh{namespace="team-a",fittingjob="web"} 0x35 1x10
`,
		at: 40 * time.Minute,
	},
	{
		name:  "no sample (ForecastFresh Unknown, before the first fit) does not fire",
		alert: "FittingJobForecastStale",
		series: `
load 1m
  fittingjob_last_run_outcome{namespace="team-a",fittingjob="web",outcome="Running"} 1x40
`,
		at: 35 * time.Minute,
	},
	{
		name:  "a failed last run fires",
		alert: "FittingJobFitFailing",
		series: `
load 1m
  fittingjob_last_run_outcome{namespace="team-a",fittingjob="web",outcome="Failed"} 0 0 1x10
  fittingjob_last_run_outcome{namespace="team-a",fittingjob="web",outcome="Succeeded"} 1 1 0x10
  fittingjob_last_run_outcome{namespace="team-b",fittingjob="api",outcome="Failed"} 0x12
  fittingjob_last_run_outcome{namespace="team-b",fittingjob="api",outcome="Succeeded"} 1x12
`,
		at:      10 * time.Minute,
		want:    []string{"fittingjob=web,namespace=team-a"},
		summary: "team-a/web",
	},
	{
		name:  "a later success resolves",
		alert: "FittingJobFitFailing",
		series: `
load 1m
  fittingjob_last_run_outcome{namespace="team-a",fittingjob="web",outcome="Failed"} 1x10 0x5
  fittingjob_last_run_outcome{namespace="team-a",fittingjob="web",outcome="Succeeded"} 0x10 1x5
`,
		at: 14 * time.Minute,
	},
	{
		name:  "no target up fires",
		alert: "FittingJobControllerDown",
		series: `
load 1m
  up{job="fittingjob-controller",pod="replica-1"} 1 1 0x20
  up{job="fittingjob-controller",pod="replica-2"} 1 1 0x20
  up{job="something-else"} 1x22
`,
		at:   15 * time.Minute,
		want: []string{noLabels},
	},
	{
		name:  "no target at all (nothing behind the Service) fires",
		alert: "FittingJobControllerDown",
		series: `
load 1m
  up{job="something-else"} 1x22
`,
		at:   15 * time.Minute,
		want: []string{noLabels},
	},
	{
		name:  "one replica up is enough",
		alert: "FittingJobControllerDown",
		series: `
load 1m
  up{job="fittingjob-controller",pod="replica-1"} 0x20
  up{job="fittingjob-controller",pod="replica-2"} 1x20
`,
		at: 15 * time.Minute,
	},
	{
		name:  "replicas up but none leading fires",
		alert: "FittingJobControllerNoLeader",
		series: `
load 1m
  leader_election_master_status{job="fittingjob-controller",namespace="fittingjob-system",name="fittingjob-controller",pod="replica-1"} 1 1 0x20
  leader_election_master_status{job="fittingjob-controller",namespace="fittingjob-system",name="fittingjob-controller",pod="replica-2"} 0x22
`,
		at:      15 * time.Minute,
		want:    []string{"namespace=fittingjob-system"},
		summary: "fittingjob-system",
	},
	{
		name:  "a standby next to a leader does not fire",
		alert: "FittingJobControllerNoLeader",
		series: `
load 1m
  leader_election_master_status{job="fittingjob-controller",namespace="fittingjob-system",name="fittingjob-controller",pod="replica-1"} 0x20
  leader_election_master_status{job="fittingjob-controller",namespace="fittingjob-system",name="fittingjob-controller",pod="replica-2"} 1x20
`,
		at: 15 * time.Minute,
	},
}

func TestAlerts(t *testing.T) {
	groups, errs := ParsePrometheusRule(shipped)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	byName := map[string]rulefmt.Rule{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				byName[r.Alert] = r
			}
		}
	}
	tested := map[string]bool{}
	for _, sc := range scenarios {
		t.Run(sc.alert+"/"+sc.name, func(t *testing.T) {
			rule, ok := byName[sc.alert]
			if !ok {
				t.Fatalf("no alert %s in %s", sc.alert, shipped)
			}
			tested[sc.alert] = true
			firing := evalAlert(t, rule, sc.series, sc.at)
			var got []string
			for _, a := range firing {
				got = append(got, identity(a.Labels))
				if a.Labels.Get("severity") != rule.Labels["severity"] {
					t.Errorf("severity %q, want %q", a.Labels.Get("severity"), rule.Labels["severity"])
				}
				if summary := a.Annotations.Get("summary"); !strings.Contains(summary, sc.summary) || strings.Contains(summary, "<no value>") {
					t.Errorf("summary %q, want it to name %q", summary, sc.summary)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, sc.want) {
				t.Errorf("firing at %v: %q, want %q", sc.at, got, sc.want)
			}
		})
	}
	for name := range byName {
		if !tested[name] {
			t.Errorf("alert %s has no scenario", name)
		}
	}
}

// evalAlert evaluates rule as a Prometheus rule group would, every
// evalInterval up to at, and returns the alerts firing at the end.
func evalAlert(t *testing.T, rule rulefmt.Rule, series string, at time.Duration) []*rules.Alert {
	t.Helper()
	expr, err := Parser.ParseExpr(rule.Expr)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	alerting := rules.NewAlertingRule(rule.Alert, expr, time.Duration(rule.For), time.Duration(rule.KeepFiringFor),
		labels.FromMap(rule.Labels), labels.FromMap(rule.Annotations), labels.EmptyLabels(), "", true, logger)

	storage := promqltest.LoadedStorage(t, series)
	engine := promqltest.NewTestEngineWithOpts(t, promql.EngineOpts{
		MaxSamples:    1_000_000,
		Timeout:       time.Minute,
		LookbackDelta: 5 * time.Minute,
		Parser:        Parser,
	})
	query := rules.EngineQueryFunc(engine, storage)
	start := time.Unix(0, 0).UTC()
	for ts := time.Duration(0); ts <= at; ts += evalInterval {
		if _, err := alerting.Eval(context.Background(), 0, start.Add(ts), query, nil, 0); err != nil {
			t.Fatalf("evaluating %s at %v: %v", rule.Alert, ts, err)
		}
	}
	var firing []*rules.Alert
	for _, a := range alerting.ActiveAlerts() {
		if a.State == rules.StateFiring {
			firing = append(firing, a)
		}
	}
	return firing
}

// identity renders an alert's labels without alertname and severity.
func identity(ls labels.Labels) string {
	var parts []string
	ls.Range(func(l labels.Label) {
		if l.Name != labels.AlertName && l.Name != "severity" {
			parts = append(parts, l.Name+"="+l.Value)
		}
	})
	return strings.Join(parts, ",")
}
