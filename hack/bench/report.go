package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// limit is a figure's target, a maximum; noLimit: information only.
type limit struct {
	max float64
	set bool
}

var noLimit = limit{}

func atMost(v float64) limit { return limit{v, true} }

// target is how the table shows the limit, with a unit.
func (l limit) target(prefix, suffix string) string {
	if !l.set {
		return "-"
	}
	return fmt.Sprintf("%s<= %g%s", prefix, l.max, suffix)
}

// verdict is "met", "MISSED", or "info" when there is no target.
func (l limit) verdict(v float64) string {
	switch {
	case !l.set:
		return "info"
	case v <= l.max:
		return "met"
	}
	return "MISSED"
}

type row struct{ phase, figure, controller, floor, ratio, target, result string }

// report collects the header, the rows and the evidence behind them.
type report struct {
	header, evidence []string
	rows             []row
}

func (r *report) head(format string, args ...any) {
	r.header = append(r.header, fmt.Sprintf(format, args...))
}
func (r *report) note(format string, args ...any) {
	r.evidence = append(r.evidence, fmt.Sprintf(format, args...))
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// compare is a figure of the controller and of the floor, and their ratio
// against l.
func (r *report) compare(phase, figure string, ctrl, floor float64, format string, l limit) {
	q := ratio(ctrl, floor)
	r.rows = append(r.rows, row{phase, figure, fmt.Sprintf(format, ctrl), fmt.Sprintf(format, floor),
		fmt.Sprintf("%.2f", q), l.target("ratio ", ""), l.verdict(q)})
}

// beside is a figure of the controller and of the floor, and their ratio;
// l is the controller's target, not the ratio's.
func (r *report) beside(phase, figure string, ctrl, floor float64, format string, l limit) {
	r.rows = append(r.rows, row{phase, figure, fmt.Sprintf(format, ctrl), fmt.Sprintf(format, floor),
		fmt.Sprintf("%.2f", ratio(ctrl, floor)), l.target("", ""), l.verdict(ctrl)})
}

// value is a figure of the controller alone, against l.
func (r *report) value(phase, figure string, v float64, format string, l limit) {
	r.rows = append(r.rows, row{phase, figure, fmt.Sprintf(format, v), "-", "-", l.target("", ""), l.verdict(v)})
}

// growth is a growth in percent against l.
func (r *report) growth(phase, figure string, before, after float64, l limit) {
	g := growth(before, after)
	r.rows = append(r.rows, row{phase, figure, fmt.Sprintf("%.1f -> %.1f MB (%+.1f%%)", before/1e6, after/1e6, g), "-", "-",
		l.target("", "%"), l.verdict(g)})
}

func (r *report) info(phase, figure, value string) {
	r.rows = append(r.rows, row{phase, figure, value, "-", "-", "-", "info"})
}

func (r *report) fail(phase string, err error) {
	r.rows = append(r.rows, row{phase, "failed (see the evidence)", "-", "-", "-", "-", "ERROR"})
	r.note("%s failed: %v", phase, err)
}

func (r *report) print(w io.Writer) {
	line := strings.Repeat("=", 100)
	fmt.Fprintln(w, line)
	for _, h := range r.header {
		fmt.Fprintln(w, h)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tFIGURE\tCONTROLLER\tFLOOR\tRATIO\tTARGET\tRESULT")
	for _, x := range r.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.phase, x.figure, x.controller, x.floor, x.ratio, x.target, x.result)
	}
	tw.Flush()
	fmt.Fprintln(w, "Evidence (deltas over each measured window):")
	for _, e := range r.evidence {
		fmt.Fprintln(w, "  "+e)
	}
	fmt.Fprintln(w, line)
}
