package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
)

// sample is one line of the Prometheus text format: a metric name, its
// labels and its value. Only what the benchmark reads is parsed: no
// timestamps, no exemplars.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape is every sample of one /metrics response.
type scrape []sample

// parseText reads the Prometheus text exposition format. The product's
// go.mod has no direct dependency on prometheus/common's parser, and this
// tool must not add one.
func parseText(r io.Reader) (scrape, error) {
	var out scrape
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 1<<20), 1<<24)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		smp, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%w in %q", err, line)
		}
		out = append(out, smp)
	}
	return out, s.Err()
}

func parseLine(line string) (sample, error) {
	smp := sample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return smp, fmt.Errorf("no value")
	}
	smp.name = line[:i]
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			rest = strings.TrimLeft(rest, " ,")
			if rest == "" {
				return smp, fmt.Errorf("unterminated labels")
			}
			if rest[0] == '}' {
				rest = rest[1:]
				break
			}
			eq := strings.IndexByte(rest, '=')
			if eq < 0 || len(rest) < eq+2 || rest[eq+1] != '"' {
				return smp, fmt.Errorf("bad label")
			}
			key := rest[:eq]
			rest = rest[eq+2:]
			var value strings.Builder
			closed := false
			for j := 0; j < len(rest); j++ {
				switch c := rest[j]; {
				case c == '\\' && j+1 < len(rest):
					j++
					switch rest[j] {
					case 'n':
						value.WriteByte('\n')
					default:
						value.WriteByte(rest[j])
					}
				case c == '"':
					rest = rest[j+1:]
					closed = true
				default:
					value.WriteByte(c)
				}
				if closed {
					break
				}
			}
			if !closed {
				return smp, fmt.Errorf("unterminated label value")
			}
			smp.labels[key] = value.String()
		}
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return smp, fmt.Errorf("no value")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return smp, err
	}
	smp.value = v
	return smp, nil
}

// sum adds up the samples named name whose labels satisfy match (nil: all).
func (s scrape) sum(name string, match func(map[string]string) bool) float64 {
	var total float64
	for _, smp := range s {
		if smp.name == name && (match == nil || match(smp.labels)) {
			total += smp.value
		}
	}
	return total
}

// counts groups the samples named name by the given labels, joined by
// spaces: {"POST 201": 3, ...}.
func (s scrape) counts(name string, by []string, match func(map[string]string) bool) map[string]float64 {
	out := map[string]float64{}
	for _, smp := range s {
		if smp.name != name || (match != nil && !match(smp.labels)) {
			continue
		}
		parts := make([]string, len(by))
		for i, l := range by {
			parts[i] = smp.labels[l]
		}
		out[strings.Join(parts, " ")] += smp.value
	}
	return out
}

// delta is after minus before, key by key, leaving out zero differences.
func delta(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	for k, v := range before {
		if _, ok := after[k]; !ok && v != 0 {
			out[k] = -v
		}
	}
	return out
}

// formatCounts prints {"a": 1, "b": 2} as "a=1, b=2", sorted by key.
func formatCounts(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%g", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func total(m map[string]float64) float64 {
	var t float64
	for _, v := range m {
		t += v
	}
	return t
}

// mutatingVerbs are the verbs of apiserver_request_total that write.
var mutatingVerbs = map[string]bool{
	"POST": true, "PUT": true, "PATCH": true, "DELETE": true,
	"APPLY": true, "DELETECOLLECTION": true, "CREATE": true, "UPDATE": true,
}

// watchedResources are the resources the controller writes (events aside).
var watchedResources = map[string]bool{"configmaps": true, "cronjobs": true, "fittingjobs": true}

// apiserverMutations selects the mutating requests the API server served
// for the given resources (nil: all), by "verb resource[/subresource] code".
func apiserverMutations(s scrape, resources map[string]bool) map[string]float64 {
	out := map[string]float64{}
	for _, smp := range s {
		l := smp.labels
		if smp.name != "apiserver_request_total" || !mutatingVerbs[l["verb"]] ||
			(resources != nil && !resources[l["resource"]]) {
			continue
		}
		resource := l["resource"]
		if l["subresource"] != "" {
			resource += "/" + l["subresource"]
		}
		out[l["verb"]+" "+resource+" "+l["code"]] += smp.value
	}
	return out
}

// scrapeAPIServer reads the API server's /metrics with the admin client.
func scrapeAPIServer(ctx context.Context, kube kubernetes.Interface) (scrape, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	data, err := kube.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the API server's /metrics: %w", err)
	}
	return parseText(bytes.NewReader(data))
}

// scrapeURL reads a plain-HTTP /metrics (the controller's).
func scrapeURL(ctx context.Context, url string) (scrape, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseText(resp.Body)
}
