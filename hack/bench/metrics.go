package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape is one /metrics response, by metric family name.
type scrape map[string]*dto.MetricFamily

func parseMetrics(r io.Reader) (scrape, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(r)
}

// each calls f with the labels and value of every sample of the family
// name; only the families read become samples (the API server exposes
// thousands of histogram series the bench never reads).
func (s scrape) each(name string, f func(label model.Metric, v float64)) {
	if family := s[name]; family != nil {
		samples, _ := expfmt.ExtractSamples(&expfmt.DecodeOptions{}, family)
		for _, smp := range samples {
			f(smp.Metric, float64(smp.Value))
		}
	}
}

// request is one series of the API server's apiserver_request_total.
type request struct{ verb, resource, code string }

func (r request) String() string { return r.verb + " " + r.resource + " " + r.code }

var mutatingVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true, "DELETECOLLECTION": true}

// writtenResources are the controller's three, whose writes the floor
// repeats, and events, which it does not.
var writtenResources = map[string]bool{"configmaps": true, "cronjobs": true, "fittingjobs": true, "events": true}

// apiMutations are the API server's mutating requests on writtenResources,
// subresources apart (fittingjobs/status).
func apiMutations(s scrape) map[request]float64 {
	out := map[request]float64{}
	s.each("apiserver_request_total", func(label model.Metric, v float64) {
		if !mutatingVerbs[string(label["verb"])] || !writtenResources[string(label["resource"])] {
			return
		}
		resource := string(label["resource"])
		if sub := string(label["subresource"]); sub != "" {
			resource += "/" + sub
		}
		out[request{string(label["verb"]), resource, string(label["code"])}] += v
	})
	return out
}

// eventWrites counts the requests that created or updated Events: the
// controller records them, the floor does not.
func eventWrites(m map[request]float64) float64 {
	var n float64
	for r, v := range m {
		if r.resource == "events" {
			n += v
		}
	}
	return n
}

// objectWrites counts the requests on ConfigMaps, CronJobs and
// FittingJobs: the writes the floor repeats.
func objectWrites(m map[request]float64) float64 { return total(m) - eventWrites(m) }

// ownWrites counts the writes a sync makes, the controller's or the
// floor's: to ConfigMaps, CronJobs and FittingJob status, not the users'
// creates and updates of FittingJobs.
func ownWrites(m map[request]float64) float64 {
	var n float64
	for r, v := range m {
		if r.resource == "configmaps" || r.resource == "cronjobs" || r.resource == "fittingjobs/status" {
			n += v
		}
	}
	return n
}

// counters are what the bench reads from the controller's own /metrics.
type counters struct {
	syncs    map[string]float64 // fittingjob_controller_syncs_total by result
	mutating float64            // rest_client_requests_total, methods other than GET
	queue    float64            // workqueue_depth of the controller's queue
	gcs      float64            // go_gc_duration_seconds_count: garbage collections
}

func readCounters(s scrape) counters {
	c := counters{syncs: map[string]float64{}}
	s.each("fittingjob_controller_syncs_total", func(label model.Metric, v float64) { c.syncs[string(label["result"])] += v })
	s.each("rest_client_requests_total", func(label model.Metric, v float64) {
		if string(label["method"]) != "GET" {
			c.mutating += v
		}
	})
	s.each("workqueue_depth", func(label model.Metric, v float64) {
		if string(label["name"]) == "fittingjob-controller" {
			c.queue += v
		}
	})
	s.each("go_gc_duration_seconds", func(label model.Metric, v float64) {
		if label[model.MetricNameLabel] == "go_gc_duration_seconds_count" {
			c.gcs = v
		}
	})
	return c
}

// get reads a /metrics body with do, which sends the request.
func get(ctx context.Context, what string, do func(context.Context) (io.ReadCloser, error)) (scrape, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	body, err := do(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s's /metrics: %w", what, err)
	}
	defer body.Close()
	return parseMetrics(body)
}

// httpGet is a plain GET (the controller's /metrics and probes).
func httpGet(ctx context.Context, url string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp.Body, nil
}
