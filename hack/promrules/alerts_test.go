package promrules

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/template"
)

// evalInterval is how often the rules are evaluated in these tests (the
// Prometheus default evaluation interval).
const evalInterval = time.Minute

// scenario is a promtool-style unit test of one alert: series written in
// promtool's notation (a sample every evalInterval from time 0), the rule
// evaluated every evalInterval from time 0 to at, and the alerts firing
// then.
type scenario struct {
	name   string
	alert  string
	series string
	at     time.Duration
	// want: each firing alert's labels other than alertname and severity,
	// as "k=v,k=v" sorted by key; none when nothing may fire.
	// absent() of a selector keeps its equality matchers' labels.
	want []string
	// summary: a substring each firing alert's expanded summary must have.
	summary string
	// description: a substring each firing alert's expanded description
	// must have; none when empty.
	description string
}

var scenarios = []scenario{
	{
		name:  "stale for longer than the hold time fires once per FittingJob, replicas merged",
		alert: "FittingJobForecastStale",
		series: `
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
  fittingjob_forecast_fresh{namespace="team-a",fittingjob="web"} 1 1 0x40
`,
		at: 25 * time.Minute,
	},
	{
		name:  "fresh again resolves",
		alert: "FittingJobForecastStale",
		series: `
  fittingjob_forecast_fresh{namespace="team-a",fittingjob="web"} 0x35 1x10
`,
		at: 40 * time.Minute,
	},
	{
		name:  "no sample (ForecastFresh Unknown, before the first fit) does not fire",
		alert: "FittingJobForecastStale",
		series: `
  fittingjob_last_run_outcome{namespace="team-a",fittingjob="web",outcome="Running"} 1x40
`,
		at: 35 * time.Minute,
	},
	{
		name:  "a failed last run fires",
		alert: "FittingJobFitFailing",
		series: `
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
  fittingjob_last_run_outcome{namespace="team-a",fittingjob="web",outcome="Failed"} 1x10 0x5
  fittingjob_last_run_outcome{namespace="team-a",fittingjob="web",outcome="Succeeded"} 0x10 1x5
`,
		at: 14 * time.Minute,
	},
	{
		name:  "not Ready for longer than the hold time fires once per FittingJob, replicas merged, with the reason",
		alert: "FittingJobNotReady",
		series: `
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="Ready",status="false",pod="replica-1"} 0 0 1x20
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="Ready",status="true",pod="replica-1"} 1 1 0x20
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="Ready",status="false",pod="replica-2"} 0 0 1x20
  fittingjob_status_condition_reason{namespace="team-a",fittingjob="web",condition="Ready",reason="Synced",pod="replica-1"} 1 1
  fittingjob_status_condition_reason{namespace="team-a",fittingjob="web",condition="Ready",reason="ConfigMapConflict",pod="replica-1"} _ _ 1x20
  fittingjob_status_condition_reason{namespace="team-a",fittingjob="web",condition="Ready",reason="ConfigMapConflict",pod="replica-2"} _ _ 1x20
  fittingjob_status_condition{namespace="team-a",fittingjob="api",condition="Ready",status="false"} 0x22
  fittingjob_status_condition{namespace="team-a",fittingjob="api",condition="Ready",status="true"} 1x22
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="ForecastFresh",status="false"} 1x22
`,
		at:          20 * time.Minute,
		want:        []string{"fittingjob=web,namespace=team-a"},
		summary:     "team-a/web",
		description: "Ready=False for 15 minutes (reason ConfigMapConflict): its ConfigMap",
	},
	{
		name:  "not Ready for less than the hold time does not fire yet",
		alert: "FittingJobNotReady",
		series: `
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="Ready",status="false"} 0x10 1x12
`,
		at: 20 * time.Minute,
	},
	{
		name:  "a change of reason does not restart the hold time",
		alert: "FittingJobNotReady",
		series: `
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="Ready",status="false"} 1x20
  fittingjob_status_condition_reason{namespace="team-a",fittingjob="web",condition="Ready",reason="APIError"} 1x10
  fittingjob_status_condition_reason{namespace="team-a",fittingjob="web",condition="Ready",reason="CronJobRejected"} _x10 1x10
`,
		at:          16 * time.Minute,
		want:        []string{"fittingjob=web,namespace=team-a"},
		summary:     "team-a/web",
		description: "(reason CronJobRejected)",
	},
	{
		name:  "Ready again resolves",
		alert: "FittingJobNotReady",
		series: `
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="Ready",status="false"} 1x20 0x5
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="Ready",status="true"} 0x20 1x5
`,
		at: 24 * time.Minute,
	},
	{
		name:  "Ready unknown does not fire",
		alert: "FittingJobNotReady",
		series: `
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="Ready",status="false"} 0x30
  fittingjob_status_condition{namespace="team-a",fittingjob="web",condition="Ready",status="unknown"} 1x30
`,
		at: 25 * time.Minute,
	},
	{
		name:  "every replica of an install down fires for that install only",
		alert: "FittingJobControllerDown",
		series: `
  up{job="fittingjob-controller",namespace="team-a",pod="replica-1"} 1x22
  up{job="fittingjob-controller",namespace="team-a",pod="replica-2"} 0x22
  up{job="fittingjob-controller",namespace="team-b",pod="replica-1"} 1 1 0x20
  up{job="fittingjob-controller",namespace="team-b",pod="replica-2"} 1 1 0x20
  up{job="something-else",namespace="team-c"} 0x22
`,
		at:          15 * time.Minute,
		want:        []string{"namespace=team-b"},
		summary:     "in team-b is up",
		description: "kubectl -n team-b get pods",
	},
	{
		name:  "an install down for less than the hold time does not fire yet",
		alert: "FittingJobControllerDown",
		series: `
  up{job="fittingjob-controller",namespace="team-a",pod="replica-1"} 1x22
  up{job="fittingjob-controller",namespace="team-b",pod="replica-1"} 1x12 0x10
`,
		at: 20 * time.Minute,
	},
	{
		name:  "every replica of every install down fires once per install",
		alert: "FittingJobControllerDown",
		series: `
  up{job="fittingjob-controller",namespace="team-a",pod="replica-1"} 1 1 0x20
  up{job="fittingjob-controller",namespace="team-b",pod="replica-1"} 1 1 0x20
`,
		at:   15 * time.Minute,
		want: []string{"namespace=team-a", "namespace=team-b"},
	},
	{
		name:  "an install's targets gone while another install's remain fires for it",
		alert: "FittingJobControllerDown",
		series: `
  up{job="fittingjob-controller",namespace="team-a",pod="replica-1"} 1x40
  up{job="fittingjob-controller",namespace="team-b",pod="replica-1"} 1 1
`,
		at:          25 * time.Minute,
		want:        []string{"namespace=team-b"},
		summary:     "in team-b is up",
		description: "installed in namespace team-b",
	},
	{
		name:  "an install's targets gone for more than an hour: the hole this alert leaves",
		alert: "FittingJobControllerDown",
		series: `
  up{job="fittingjob-controller",namespace="team-a",pod="replica-1"} 1x90
  up{job="fittingjob-controller",namespace="team-b",pod="replica-1"} 1 1
`,
		at: 80 * time.Minute,
	},
	{
		name:  "every target gone fires once, without a namespace",
		alert: "FittingJobControllerDown",
		series: `
  up{job="fittingjob-controller",namespace="team-a",pod="replica-1"} 1 1
  up{job="fittingjob-controller",namespace="team-b",pod="replica-1"} 1 1
  up{job="something-else",namespace="team-c"} 1x30
`,
		at:          25 * time.Minute,
		want:        []string{"job=fittingjob-controller"},
		summary:     "in any namespace",
		description: "no target of it left at all",
	},
	{
		name:  "no target at all, ever (nothing behind the Service) fires",
		alert: "FittingJobControllerDown",
		series: `
  up{job="something-else"} 1x22
`,
		at:      15 * time.Minute,
		want:    []string{"job=fittingjob-controller"},
		summary: "in any namespace",
	},
	{
		name:  "one replica up is enough",
		alert: "FittingJobControllerDown",
		series: `
  up{job="fittingjob-controller",namespace="team-a",pod="replica-1"} 0x20
  up{job="fittingjob-controller",namespace="team-a",pod="replica-2"} 1x20
`,
		at: 15 * time.Minute,
	},
	{
		name:  "replicas up but none leading fires",
		alert: "FittingJobControllerNoLeader",
		series: `
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
				got = append(got, identity(a.labels))
				if a.labels.Get("severity") != rule.Labels["severity"] {
					t.Errorf("severity %q, want %q", a.labels.Get("severity"), rule.Labels["severity"])
				}
				if summary := a.annotations["summary"]; !strings.Contains(summary, sc.summary) || strings.Contains(summary, "<no value>") {
					t.Errorf("summary %q, want it to name %q", summary, sc.summary)
				}
				if description := a.annotations["description"]; !strings.Contains(description, sc.description) || strings.Contains(description, "<no value>") {
					t.Errorf("description %q, want it to have %q", description, sc.description)
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

// alert is one alert of a rule: the labels it carries and since when its
// expression has returned it.
type alert struct {
	labels      labels.Labels
	annotations map[string]string
	activeAt    time.Time
}

// evalAlert evaluates rule every evalInterval up to at, with Prometheus's
// query engine and template expander, and returns the alerts firing at
// the end. The state follows Prometheus's alerting rules: an alert is
// pending from the first evaluation that returns its series, firing once
// it has been returned for the rule's `for`, and gone at the first
// evaluation that does not return it.
func evalAlert(t *testing.T, rule rulefmt.Rule, series string, at time.Duration) []alert {
	t.Helper()
	queryable := loadSeries(t, evalInterval, series)
	engine := promql.NewEngine(promql.EngineOpts{
		MaxSamples:    1_000_000,
		Timeout:       time.Minute,
		LookbackDelta: 5 * time.Minute,
		Parser:        Parser,
	})
	t.Cleanup(func() { _ = engine.Close() })
	ctx := context.Background()
	query := func(ctx context.Context, q string, ts time.Time) (promql.Vector, error) {
		query, err := engine.NewInstantQuery(ctx, queryable, nil, q, ts)
		if err != nil {
			return nil, err
		}
		defer query.Close()
		return query.Exec(ctx).Vector()
	}

	start := time.Unix(0, 0).UTC()
	active := map[uint64]*alert{}
	var now time.Time
	for step := time.Duration(0); step <= at; step += evalInterval {
		now = start.Add(step)
		vector, err := query(ctx, rule.Expr, now)
		if err != nil {
			t.Fatalf("evaluating %s at %v: %v", rule.Alert, step, err)
		}
		returned := map[uint64]bool{}
		for _, sample := range vector {
			b := labels.NewBuilder(sample.Metric).Del(labels.MetricName)
			for k, v := range rule.Labels {
				b.Set(k, v)
			}
			b.Set(labels.AlertName, rule.Alert)
			lset := b.Labels()
			h := lset.Hash()
			returned[h] = true
			a, ok := active[h]
			if !ok {
				a = &alert{labels: lset, activeAt: now}
				active[h] = a
			}
			a.annotations = expandAnnotations(t, rule, sample, now, query)
		}
		for h := range active {
			if !returned[h] {
				delete(active, h)
			}
		}
	}
	var firing []alert
	for _, a := range active {
		if now.Sub(a.activeAt) >= time.Duration(rule.For) {
			firing = append(firing, *a)
		}
	}
	return firing
}

// expandAnnotations expands the rule's annotation templates for one sample
// as Prometheus's alerting rules do ($labels, $value, query).
func expandAnnotations(t *testing.T, rule rulefmt.Rule, sample promql.Sample, ts time.Time,
	query func(context.Context, string, time.Time) (promql.Vector, error)) map[string]string {
	t.Helper()
	data := template.AlertTemplateData(sample.Metric.Map(), nil, "", sample)
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	expanded := map[string]string{}
	for k, text := range rule.Annotations {
		expander := template.NewTemplateExpander(context.Background(), defs+text, "__alert_"+rule.Alert, data,
			model.Time(timestamp.FromTime(ts)), template.QueryFunc(query), nil, nil)
		out, err := expander.Expand()
		if err != nil {
			t.Errorf("%s: expanding annotation %s: %v", rule.Alert, k, err)
		}
		expanded[k] = out
	}
	return expanded
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
