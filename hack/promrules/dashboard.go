package promrules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// The Grafana dashboard of the monitoring component is checked as its
// ConfigMap installs it: every query parsed by Prometheus's own PromQL
// parser once Grafana's template variables are replaced by placeholders,
// and every series a query selects checked against the series the
// controller exports.

// DashboardLabel is the label, and DashboardLabelValue its value, by which
// the Grafana sidecar of the kube-prometheus stack finds dashboard
// ConfigMaps (its defaults: grafana.sidecar.dashboards.label and labelValue).
const (
	DashboardLabel      = "grafana_dashboard"
	DashboardLabelValue = "1"
)

// DatasourceRef is the only datasource a panel, a query or a variable may
// name: the dashboard's datasource variable, never a datasource UID of
// somebody's Grafana.
const DatasourceRef = "${datasource}"

// Dashboard is as much of a Grafana dashboard's JSON model as the check
// needs.
type Dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []Variable `json:"list"`
	} `json:"templating"`
	Panels []Panel `json:"panels"`
}

// Variable is a template variable.
type Variable struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Query: a string, or (as Grafana 10 and later save a Prometheus query
	// variable) an object whose "query" is the string.
	Query json.RawMessage `json:"query"`
}

// Panel is a panel, or a row (whose panels are in Panels when it is
// collapsed).
type Panel struct {
	ID      int      `json:"id"`
	Type    string   `json:"type"`
	Title   string   `json:"title"`
	GridPos *GridPos `json:"gridPos"`
	Targets []Target `json:"targets"`
	Panels  []Panel  `json:"panels"`
}

// GridPos is where a panel is on the dashboard's grid.
type GridPos struct {
	X, Y, W, H int
}

// Target is one query of a panel.
type Target struct {
	RefID string `json:"refId"`
	Expr  string `json:"expr"`
}

// ParseDashboard decodes a dashboard's JSON: one JSON object, nothing after
// it, whose fields the check reads have the types Grafana gives them.
func ParseDashboard(data []byte) (*Dashboard, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var d Dashboard
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("not a dashboard's JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("not a dashboard's JSON: more after the dashboard's object")
	}
	return &d, nil
}

// DashboardsIn returns the dashboards of the Kubernetes objects in a YAML
// stream (what kubectl kustomize prints): the value of every *.json key of
// every ConfigMap labelled DashboardLabel=DashboardLabelValue, by
// "namespace/name/key".
func DashboardsIn(stream []byte) (map[string][]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(stream))
	dashboards := map[string][]byte{}
	for {
		var obj struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name      string            `yaml:"name"`
				Namespace string            `yaml:"namespace"`
				Labels    map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Data map[string]string `yaml:"data"`
		}
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return dashboards, nil
		}
		if err != nil {
			return nil, err
		}
		if obj.Kind != "ConfigMap" || obj.Metadata.Labels[DashboardLabel] != DashboardLabelValue {
			continue
		}
		for key, value := range obj.Data {
			if strings.HasSuffix(key, ".json") {
				dashboards[obj.Metadata.Namespace+"/"+obj.Metadata.Name+"/"+key] = []byte(value)
			}
		}
	}
}

// Query is one query of a dashboard: a panel's target, or a query
// variable's query (Panel is then "variable NAME").
type Query struct {
	Panel, RefID, Expr string
}

func (q Query) String() string {
	if q.RefID == "" {
		return q.Panel
	}
	return fmt.Sprintf("panel %q, query %s", q.Panel, q.RefID)
}

// allPanels returns the panels, those of collapsed rows included.
func allPanels(panels []Panel) []Panel {
	var all []Panel
	for _, p := range panels {
		all = append(all, p)
		all = append(all, allPanels(p.Panels)...)
	}
	return all
}

// SeriesCatalog says which series a query may select: those the
// controller exports (Names, and the _bucket, _sum and _count series of
// Histograms), those whose name starts with one of Prefixes (go_*,
// process_*), and Extra, each with why it is there.
type SeriesCatalog struct {
	Names      map[string]bool
	Histograms map[string]bool
	Prefixes   []string
	Extra      map[string]string
}

// Has says whether name is in the catalog.
func (c SeriesCatalog) Has(name string) bool {
	if c.Names[name] || c.Extra[name] != "" {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && c.Histograms[base] {
			return true
		}
	}
	for _, p := range c.Prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

var seriesName = regexp.MustCompile("`([a-zA-Z_:][a-zA-Z0-9_:]*)(\\*?)`")

// ExportedSeries reads the series the controller exports from the table of
// the section "### Metrics" of manifests/README.md: the names in
// backquotes in its first column, a trailing * making a prefix. The
// *_duration_seconds series are its histograms (the other *_seconds series
// are gauges).
func ExportedSeries(readme []byte) (SeriesCatalog, error) {
	c := SeriesCatalog{Names: map[string]bool{}, Histograms: map[string]bool{}}
	in := false
	for _, line := range strings.Split(string(readme), "\n") {
		switch {
		case line == "### Metrics":
			in = true
			continue
		case in && strings.HasPrefix(line, "#"):
			in = false
		}
		if !in || !strings.HasPrefix(line, "| ") {
			continue
		}
		first := strings.SplitN(line, "|", 3)[1]
		for _, m := range seriesName.FindAllStringSubmatch(first, -1) {
			if m[2] == "*" {
				c.Prefixes = append(c.Prefixes, m[1])
			} else {
				c.Names[m[1]] = true
				c.Histograms[m[1]] = strings.HasSuffix(m[1], "_duration_seconds")
			}
		}
	}
	if len(c.Names) == 0 {
		return c, errors.New(`no series in the table of the section "### Metrics"`)
	}
	return c, nil
}

// Placeholders of Grafana's built-in variables, valid where Grafana puts
// their values: durations in range selectors, numbers elsewhere.
var builtinPlaceholders = map[string]string{
	"__interval":      "1m",
	"__rate_interval": "4m",
	"__range":         "6h",
	"__interval_ms":   "60000",
	"__range_ms":      "21600000",
	"__range_s":       "21600",
	"__from":          "1700000000000",
	"__to":            "1700021600000",
}

// grafanaVariable matches the three syntaxes of a variable: $name,
// ${name}, ${name:format} (or ${name.field}), [[name]], [[name:format]].
var grafanaVariable = regexp.MustCompile(`\$(\w+)|\$\{(\w+)(?:\.[^:}]*)?(?::[^}]*)?\}|\[\[(\w+)(?::\w+)?\]\]`)

var digits = regexp.MustCompile(`^[0-9]+$`)

// ExpandVariables replaces each of Grafana's variables in expr by a
// placeholder of the right kind: the dashboard's own variables (vars, name
// to type) by "placeholder" (a duration for an interval variable), the
// built-ins by a duration or a number. A variable that is neither is an
// error: Grafana would leave it as it is, and the query would match
// nothing. $1, $2... are left alone (label_replace's references).
func ExpandVariables(expr string, vars map[string]string) (string, error) {
	var errs []error
	out := grafanaVariable.ReplaceAllStringFunc(expr, func(v string) string {
		m := grafanaVariable.FindStringSubmatch(v)
		name := m[1] + m[2] + m[3]
		if p, ok := builtinPlaceholders[name]; ok {
			return p
		}
		if typ, ok := vars[name]; ok {
			if typ == "interval" {
				return "5m"
			}
			return "placeholder"
		}
		if digits.MatchString(name) {
			return v
		}
		errs = append(errs, fmt.Errorf("%s is not a variable of the dashboard nor one of Grafana's built-in variables that the check knows", v))
		return v
	})
	return out, errors.Join(errs...)
}

// MetricNames returns the metric name of every series selector of expr,
// and an error for a selector that does not name one metric (which the
// check then cannot verify).
func MetricNames(expr parser.Expr) ([]string, error) {
	var names []string
	var errs []error
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		if name == "" {
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
					name = m.Value
				}
			}
		}
		if name == "" {
			errs = append(errs, fmt.Errorf("%s selects no metric by name", vs))
			return nil
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		return nil
	})
	return names, errors.Join(errs...)
}

// labelValues matches a query variable's label_values(METRIC, LABEL) or
// label_values(LABEL).
var labelValues = regexp.MustCompile(`^\s*label_values\(\s*(?:(.+),\s*)?(\w+)\s*\)\s*$`)

// CheckDashboard checks a dashboard's JSON as Grafana and Prometheus
// would read it. It returns every problem it finds, each naming the panel
// (or variable) concerned:
//   - the JSON decodes; uid, title, schemaVersion are set; panels have
//     distinct ids and a place on the grid; every panel but a row or a
//     text has queries, each with an expr and a distinct refId;
//   - a "datasource" variable of type datasource for Prometheus, and every
//     datasource the dashboard names anywhere is DatasourceRef;
//   - every query, its variables replaced by placeholders
//     (ExpandVariables), parses with Prometheus's PromQL parser, and every
//     series it selects is in the catalog; so does the series selector of
//     each label_values() query variable.
func CheckDashboard(data []byte, catalog SeriesCatalog) []error {
	d, err := ParseDashboard(data)
	if err != nil {
		return []error{err}
	}
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if d.UID == "" || len(d.UID) > 40 {
		fail("uid %q: want a stable uid of 1 to 40 characters", d.UID)
	}
	if d.Title == "" {
		fail("no title")
	}
	if d.SchemaVersion < 36 {
		fail("schemaVersion %d: want that of a current Grafana (36 or later)", d.SchemaVersion)
	}

	// The datasources named anywhere in the JSON.
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return append(errs, err)
	}
	errs = append(errs, checkDatasources("", raw)...)

	vars := map[string]string{}
	var queries []Query
	for _, v := range d.Templating.List {
		if v.Name == "" {
			fail("a template variable has no name")
			continue
		}
		if _, dup := vars[v.Name]; dup {
			fail("variable %s is defined twice", v.Name)
		}
		vars[v.Name] = v.Type
		var query string
		var object struct {
			Query string `json:"query"`
		}
		if len(v.Query) > 0 && json.Unmarshal(v.Query, &query) != nil {
			if err := json.Unmarshal(v.Query, &object); err != nil {
				fail("variable %s: query is neither a string nor an object with a query: %v", v.Name, err)
			}
			query = object.Query
		}
		switch v.Type {
		case "datasource":
			if v.Name == "datasource" && query != "prometheus" {
				fail("variable datasource: query %q, want prometheus (the datasource type)", query)
			}
		case "query":
			m := labelValues.FindStringSubmatch(query)
			if m == nil {
				fail("variable %s: query %q: want label_values(METRIC, LABEL)", v.Name, query)
			} else if m[1] != "" {
				queries = append(queries, Query{Panel: "variable " + v.Name, Expr: m[1]})
			}
		}
	}
	if vars["datasource"] != "datasource" {
		fail("no template variable \"datasource\" of type datasource: panels must name ${datasource}, not a datasource UID")
	}

	ids := map[int]string{}
	for _, p := range allPanels(d.Panels) {
		if p.Title == "" {
			fail("panel %d has no title", p.ID)
		}
		if other, dup := ids[p.ID]; dup || p.ID == 0 {
			fail("panel %q: id %d is not unique (also %q) or not set", p.Title, p.ID, other)
		}
		ids[p.ID] = p.Title
		if p.GridPos == nil || p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X < 0 || p.GridPos.X+p.GridPos.W > 24 {
			fail("panel %q: gridPos %+v is not on Grafana's 24-column grid", p.Title, p.GridPos)
		}
		if p.Type == "" {
			fail("panel %q has no type", p.Title)
		}
		if p.Type == "row" || p.Type == "text" {
			continue
		}
		if len(p.Targets) == 0 {
			fail("panel %q has no query", p.Title)
		}
		refIDs := map[string]bool{}
		for _, t := range p.Targets {
			if t.RefID == "" || refIDs[t.RefID] {
				fail("panel %q: refId %q is empty or not unique", p.Title, t.RefID)
			}
			refIDs[t.RefID] = true
			if strings.TrimSpace(t.Expr) == "" {
				fail("panel %q, query %s: no expr", p.Title, t.RefID)
				continue
			}
			queries = append(queries, Query{Panel: p.Title, RefID: t.RefID, Expr: t.Expr})
		}
	}
	if len(queries) == 0 {
		fail("no queries")
	}

	for _, q := range queries {
		errs = append(errs, CheckQuery(q, vars, catalog)...)
	}
	return errs
}

// CheckQuery parses one query with Prometheus's PromQL parser, its
// variables replaced, and checks the series it selects against the catalog.
func CheckQuery(q Query, vars map[string]string, catalog SeriesCatalog) []error {
	expanded, err := ExpandVariables(q.Expr, vars)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", q, err)}
	}
	expr, err := Parser.ParseExpr(expanded)
	if err != nil {
		return []error{fmt.Errorf("%s: %s: %w", q, expanded, err)}
	}
	var errs []error
	names, err := MetricNames(expr)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", q, err))
	}
	for _, name := range names {
		if !catalog.Has(name) {
			errs = append(errs, fmt.Errorf("%s: %s is not a series the controller exports (manifests/README.md, \"Metrics\") nor one the check allows", q, name))
		}
	}
	return errs
}

// checkDatasources walks the JSON and refuses every datasource other than
// DatasourceRef: a "datasource" that is a string, or an object whose uid
// is, must be it.
func checkDatasources(path string, node any) []error {
	var errs []error
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			p := path + "." + k
			if k == "datasource" {
				switch ds := v.(type) {
				case string:
					if ds != DatasourceRef {
						errs = append(errs, fmt.Errorf("%s: datasource %q, want %q", p, ds, DatasourceRef))
					}
				case map[string]any:
					if ds["uid"] != DatasourceRef {
						errs = append(errs, fmt.Errorf("%s: datasource uid %v, want %q, not the UID of a datasource of some Grafana", p, ds["uid"], DatasourceRef))
					}
					if typ, ok := ds["type"]; ok && typ != "prometheus" {
						errs = append(errs, fmt.Errorf("%s: datasource type %v, want prometheus", p, typ))
					}
				default:
					errs = append(errs, fmt.Errorf("%s: datasource %v, want %q", p, v, DatasourceRef))
				}
				continue
			}
			errs = append(errs, checkDatasources(p, v)...)
		}
	case []any:
		for i, v := range n {
			errs = append(errs, checkDatasources(fmt.Sprintf("%s[%d]", path, i), v)...)
		}
	}
	return errs
}
