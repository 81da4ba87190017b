package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// reportedResources are those whose mutating requests the evidence shows:
// the controller's three, and events (it records one per child write).
var reportedResources = map[string]bool{"configmaps": true, "cronjobs": true, "fittingjobs": true, "events": true}

// window measures what happened between begin and end: the API server's
// mutating requests, the observer's watch events and, when the controller
// runs, its own counters and the client-side throttling it logged.
type window struct {
	b        *bench
	obs      *observer
	start    time.Time
	api      map[string]float64
	events   map[string]float64
	ctrl     *controllerCounters
	throttle int
}

// windowStats are the deltas of a window.
type windowStats struct {
	dur       time.Duration
	api       map[string]float64 // "VERB resource code", reportedResources
	events    map[string]float64 // watch events "Kind TYPE"
	ctrl      *controllerCounters
	throttled int
}

// begin opens a window. withController reads the controller's counters
// (fromZero: a controller about to be started; its counters start at 0).
func (b *bench) begin(ctx context.Context, obs *observer, withController, fromZero bool) (*window, error) {
	s, err := scrapeAPIServer(ctx, b.admin)
	if err != nil {
		return nil, err
	}
	w := &window{b: b, obs: obs, api: apiserverMutations(s, reportedResources), throttle: throttleLines(b.proc.logPath)}
	if obs != nil {
		w.events = obs.eventCounts()
	}
	if withController {
		if fromZero {
			w.ctrl = &controllerCounters{}
		} else {
			m, err := b.proc.metrics(ctx)
			if err != nil {
				return nil, err
			}
			c := readCounters(m)
			w.ctrl = &c
		}
	}
	w.start = time.Now()
	return w, nil
}

// end closes the window.
func (w *window) end(ctx context.Context) (windowStats, error) {
	st := windowStats{dur: time.Since(w.start)}
	s, err := scrapeAPIServer(ctx, w.b.admin)
	if err != nil {
		return st, err
	}
	st.api = delta(w.api, apiserverMutations(s, reportedResources))
	if w.obs != nil {
		st.events = delta(w.events, w.obs.eventCounts())
	}
	if w.ctrl != nil {
		m, err := w.b.proc.metrics(ctx)
		if err != nil {
			return st, err
		}
		d := counterDelta(*w.ctrl, readCounters(m))
		st.ctrl = &d
		st.throttled = throttleLines(w.b.proc.logPath) - w.throttle
	}
	return st, nil
}

// of returns the stats' counts for the controller's three resources.
func (st windowStats) childAndStatusRequests() float64 {
	var n float64
	for k, v := range st.api {
		if f := strings.Fields(k); len(f) == 3 && f[1] != "events" {
			n += v
		}
	}
	return n
}

// describe is one evidence line.
func (st windowStats) describe(label string, busy time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: window %s; API server mutating requests: %s; watch events: %s",
		label, seconds(st.dur), formatCounts(st.api), formatCounts(st.events))
	if st.ctrl != nil {
		c := st.ctrl
		fmt.Fprintf(&b, "; controller's own requests (method code): %s; syncs: %s; child writes: %s; status writes: %g; queue adds: %g, retries: %g",
			formatCounts(c.requests), formatCounts(c.syncs), formatCounts(c.childWrites), c.statusWrite, c.queueAdds, c.retries)
		if busy > 0 {
			fmt.Fprintf(&b, "; controller non-GET requests/s over %s: %.1f", seconds(busy), mutating(c.requests)/busy.Seconds())
		}
		fmt.Fprintf(&b, "; client-side throttling log lines (>1s waits, at most one per 10s at -v=0): %d", st.throttled)
	}
	return b.String()
}

// throttleLines counts client-go's "Waited before sending request" lines
// (client-side throttling of more than a second) in the controller's log.
func throttleLines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte("Waited before sending request"))
}
