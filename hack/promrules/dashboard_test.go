package promrules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	// shippedDashboard is the dashboard's JSON in the monitoring component,
	// which its kustomization puts into a ConfigMap.
	shippedDashboard = "../../manifests/components/monitoring/dashboard.json"
	// dashboardUID must not change: Grafana knows a dashboard by its uid
	// (links, bookmarks, a user's starred dashboards), and would make a
	// changed one a new dashboard.
	dashboardUID = "fittingjob-controller"
)

// allowed are the series a query may select beyond those manifests/README.md's
// metrics table lists, each with why.
//
// The table, not a list of prefixes (workqueue_*, rest_client_*, ...), is
// the reference: it is what the controller documents it exports, so a
// dashboard query on a series the controller does not export (a typo such
// as workqueue_dept, or a workqueue series client-go has but the
// controller does not register) fails here, and a series the dashboard
// needs must be documented first. go_* and process_* are prefixes in the
// table itself.
var allowed = map[string]string{
	"up": "Prometheus's own series for each scraped target",
	// Remove once manifests/README.md's table lists it (the branch that adds it).
	"fittingjob_status_condition": "being added on another branch; the dashboard's \"Not Ready\" panels show no data until it is merged",
}

func catalog(t *testing.T) SeriesCatalog {
	t.Helper()
	readme, err := os.ReadFile(runbook)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ExportedSeries(readme)
	if err != nil {
		t.Fatalf("%s: %v", runbook, err)
	}
	c.Extra = allowed
	return c
}

// renderMonitoring renders, with kubectl kustomize as a user's install
// does, an overlay of manifests/ that enables the monitoring component.
func renderMonitoring(t *testing.T) []byte {
	t.Helper()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatal("kubectl is needed to render the monitoring component (make verify needs it too)")
	}
	manifests, err := filepath.Abs("../../manifests")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Kustomize refuses absolute paths to directories.
	rel, err := filepath.Rel(dir, manifests)
	if err != nil {
		t.Fatal(err)
	}
	overlay := "resources:\n- " + rel + "\ncomponents:\n- " + rel + "/components/monitoring\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(overlay), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("kubectl", "kustomize", dir).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("kubectl kustomize: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("kubectl kustomize: %v", err)
	}
	return out
}

// TestShippedDashboard checks the dashboard the monitoring component
// installs, taken from the ConfigMap kubectl kustomize renders.
func TestShippedDashboard(t *testing.T) {
	dashboards, err := DashboardsIn(renderMonitoring(t))
	if err != nil {
		t.Fatalf("the rendered install: %v", err)
	}
	const want = "fittingjob-system/fittingjob-controller-dashboard/fittingjob-controller.json"
	if len(dashboards) != 1 || dashboards[want] == nil {
		keys := make([]string, 0, len(dashboards))
		for k := range dashboards {
			keys = append(keys, k)
		}
		t.Fatalf("dashboards in the rendered install (ConfigMaps labelled %s=%q): %q, want only %s", DashboardLabel, DashboardLabelValue, keys, want)
	}
	data := dashboards[want]
	file, err := os.ReadFile(shippedDashboard)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != string(file) {
		t.Errorf("the ConfigMap's dashboard differs from %s", shippedDashboard)
	}

	for _, err := range CheckDashboard(data, catalog(t)) {
		t.Error(err)
	}
	d, err := ParseDashboard(data)
	if err != nil {
		t.Fatal(err)
	}
	if d.UID != dashboardUID {
		t.Errorf("uid %q, want %q: a changed uid makes it another dashboard for Grafana", d.UID, dashboardUID)
	}
	if d.SchemaVersion < 39 {
		t.Errorf("schemaVersion %d, want 39 or later", d.SchemaVersion)
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = string(v.Query)
	}
	if want := `"label_values(fittingjob_forecast_fresh, namespace)"`; vars["namespace"] != want {
		t.Errorf("variable namespace: query %s, want %s", vars["namespace"], want)
	}
	// Every per-FittingJob query follows the namespace variable.
	queries := 0
	for _, p := range allPanels(d.Panels) {
		for _, q := range p.Targets {
			queries++
			if strings.Contains(q.Expr, "fittingjob_") && !strings.Contains(q.Expr, "fittingjob_controller_") && !strings.Contains(q.Expr, `namespace=~"$namespace"`) {
				t.Errorf("panel %q, query %s: a per-FittingJob query without namespace=~\"$namespace\": %s", p.Title, q.RefID, q.Expr)
			}
		}
	}
	t.Logf("%d panels, %d queries checked", len(allPanels(d.Panels)), queries)
}

// The negative control: each case breaks the shipped dashboard in one way,
// and the check must refuse it, naming the panel when a query is broken.
func TestBrokenDashboardsAreRefused(t *testing.T) {
	data, err := os.ReadFile(shippedDashboard)
	if err != nil {
		t.Fatal(err)
	}
	original := string(data)
	c := catalog(t)
	if errs := CheckDashboard(data, c); len(errs) > 0 {
		t.Fatalf("the shipped dashboard does not pass: %v", errs)
	}
	for _, tc := range []struct {
		name, old, new string
		// want: a substring of one of the errors (the panel's title, the
		// parser's message).
		want string
	}{
		{"unbalanced parenthesis", `"expr": "workqueue_depth{`, `"expr": "(workqueue_depth{`, `panel "Workqueue depth", query A`},
		{"unknown function", "histogram_quantile(0.99,", "histogram_quantil(0.99,", `unknown function with name "histogram_quantil"`},
		{"misspelt series", `"expr": "workqueue_depth{`, `"expr": "workqueue_dept{`, `workqueue_dept is not a series the controller exports`},
		{"series the controller does not export", "fittingjob_last_success_timestamp_seconds{", "fittingjob_last_success_time{", `panel "Time since last success", query A: fittingjob_last_success_time is not`},
		{"bad range", "[1h]", "[1 hour]", `panel "Run outcomes`},
		{"undefined variable", `rest_client_requests_total{job=\"fittingjob-controller\", code=~\"5..|429\"}[$__rate_interval]`, `rest_client_requests_total{job=\"fittingjob-controller\", code=~\"5..|429\"}[$interval]`, `$interval is not a variable`},
		{"variable's series not exported", "label_values(fittingjob_forecast_fresh, namespace)", "label_values(fittingjob_forecast_freshness, namespace)", `variable namespace: fittingjob_forecast_freshness is not`},
		{"hard-coded datasource UID", `"uid": "${datasource}"`, `"uid": "P1809F7CD0C75ACF3"`, `P1809F7CD0C75ACF3`},
		{"no datasource variable", `"name": "datasource"`, `"name": "source"`, `no template variable "datasource"`},
		{"query without expr", `"expr": "workqueue_depth{`, `"exp": "workqueue_depth{`, `panel "Workqueue depth", query A: no expr`},
		{"invalid JSON", `"panels": [`, `"panels": [,`, `not a dashboard's JSON`},
		{"panels not a list", `"panels": [`, `"panels": "none", "x": [`, `cannot unmarshal string`},
		{"old schema", `"schemaVersion": 39`, `"schemaVersion": 16`, `schemaVersion 16`},
		{"no uid", `"uid": "fittingjob-controller"`, `"uid": ""`, `uid ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(original, tc.old) {
				t.Fatalf("the shipped dashboard no longer contains %q: update this case", tc.old)
			}
			broken := strings.Replace(original, tc.old, tc.new, 1)
			errs := CheckDashboard([]byte(broken), c)
			if len(errs) == 0 {
				t.Fatalf("accepted a dashboard with %s", tc.name)
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					t.Logf("refused: %v", err)
					return
				}
			}
			t.Errorf("refused, but no error says %q: %v", tc.want, errs)
		})
	}
}

func TestExpandVariables(t *testing.T) {
	vars := map[string]string{"namespace": "query", "datasource": "datasource", "step": "interval"}
	for _, tc := range []struct{ in, want string }{
		{`up{namespace=~"$namespace"}`, `up{namespace=~"placeholder"}`},
		{`up{namespace=~"${namespace}"}`, `up{namespace=~"placeholder"}`},
		{`up{namespace=~"${namespace:regex}"}`, `up{namespace=~"placeholder"}`},
		{`up{namespace=~"[[namespace]]"}`, `up{namespace=~"placeholder"}`},
		{`rate(up[$__rate_interval])`, `rate(up[4m])`},
		{`increase(up[$__range])`, `increase(up[6h])`},
		{`increase(up[$step])`, `increase(up[5m])`},
		{`up * $__range_s`, `up * 21600`},
		{`label_replace(up, "a", "$1", "b", "(.*)")`, `label_replace(up, "a", "$1", "b", "(.*)")`},
	} {
		got, err := ExpandVariables(tc.in, vars)
		if err != nil || got != tc.want {
			t.Errorf("ExpandVariables(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if _, err := Parser.ParseExpr(got); err != nil {
			t.Errorf("%q does not parse: %v", got, err)
		}
	}
	if _, err := ExpandVariables(`up{namespace="$cluster"}`, vars); err == nil {
		t.Error("an undefined variable was accepted")
	}
}

func TestExportedSeries(t *testing.T) {
	c := catalog(t)
	for _, name := range []string{
		"workqueue_depth", "fittingjob_forecast_fresh", "fittingjob_controller_panics_total",
		"fittingjob_controller_sync_duration_seconds_bucket", "workqueue_queue_duration_seconds_count", "rest_client_requests_total",
		"leader_election_master_status", "go_goroutines", "process_resident_memory_bytes", "up",
	} {
		if !c.Has(name) {
			t.Errorf("%s is not in the catalog", name)
		}
	}
	for _, name := range []string{"workqueue_dept", "workqueue_depth_bucket", "workqueue_unfinished_work_seconds_bucket", "workqueue_work_duration_seconds_total", "fittingjob_forecast", "series", "labels"} {
		if c.Has(name) {
			t.Errorf("%s is in the catalog", name)
		}
	}
}
