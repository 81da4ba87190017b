package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one figure of the table: the controller's value, the floor's when
// there is one, their ratio, the target and whether it is met.
type row struct {
	phase, figure, controller, floor, ratio, target, result string
}

// report collects the header, the figures and the evidence behind them.
type report struct {
	header   []string
	rows     []row
	evidence []string
}

func (r *report) head(format string, args ...any) {
	r.header = append(r.header, fmt.Sprintf(format, args...))
}

func (r *report) note(format string, args ...any) {
	r.evidence = append(r.evidence, fmt.Sprintf(format, args...))
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// ratioRow records controller/floor against a maximum ratio.
func (r *report) ratioRow(phase, figure string, ctrl, floor time.Duration, maxRatio float64) {
	ratio := ctrl.Seconds() / floor.Seconds()
	r.rows = append(r.rows, row{
		phase: phase, figure: figure,
		controller: seconds(ctrl), floor: seconds(floor),
		ratio:  fmt.Sprintf("%.2f", ratio),
		target: fmt.Sprintf("ratio <= %.2f", maxRatio),
		result: verdict(ratio <= maxRatio),
	})
}

// countRow records a count against a maximum.
func (r *report) countRow(phase, figure string, value, max float64) {
	r.rows = append(r.rows, row{
		phase: phase, figure: figure, controller: fmt.Sprintf("%g", value), floor: "-", ratio: "-",
		target: fmt.Sprintf("%g", max), result: verdict(value <= max),
	})
}

// growthRow records a growth in bytes against a maximum percentage.
func (r *report) growthRow(phase, figure string, before, after, maxPercent float64) {
	g := growth(before, after)
	r.rows = append(r.rows, row{
		phase: phase, figure: figure,
		controller: fmt.Sprintf("%.1f -> %.1f MiB (%+.1f%%)", before/(1<<20), after/(1<<20), g),
		floor:      "-", ratio: "-",
		target: fmt.Sprintf("<= +%g%%", maxPercent), result: verdict(g <= maxPercent),
	})
}

// infoRow records a figure without a target.
func (r *report) infoRow(phase, figure, value string) {
	r.rows = append(r.rows, row{phase: phase, figure: figure, controller: value, floor: "-", ratio: "-", target: "-", result: "info"})
}

// failRow records a phase that could not be measured.
func (r *report) failRow(phase string, err error) {
	r.rows = append(r.rows, row{phase: phase, figure: "ERROR: " + err.Error(), controller: "-", floor: "-", ratio: "-", target: "-", result: "ERROR"})
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func (r *report) print(w io.Writer) {
	fmt.Fprintln(w, strings.Repeat("=", 100))
	for _, h := range r.header {
		fmt.Fprintln(w, h)
	}
	fmt.Fprintln(w, strings.Repeat("-", 100))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tFIGURE\tCONTROLLER\tFLOOR\tRATIO\tTARGET\tRESULT")
	for _, x := range r.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.phase, x.figure, x.controller, x.floor, x.ratio, x.target, x.result)
	}
	tw.Flush()
	if len(r.evidence) > 0 {
		fmt.Fprintln(w, strings.Repeat("-", 100))
		fmt.Fprintln(w, "Evidence (deltas over each measured window):")
		for _, e := range r.evidence {
			fmt.Fprintln(w, "  "+e)
		}
	}
	fmt.Fprintln(w, strings.Repeat("=", 100))
}
