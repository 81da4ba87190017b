package main

import (
	"strings"
	"testing"
)

const apiserverText = `# HELP apiserver_request_total Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"} 2000
apiserver_request_total{code="200",component="apiserver",group="ihpa.ake.cyberagent.co.jp",resource="fittingjobs",scope="resource",subresource="status",verb="PUT",version="v1beta2"} 2000
apiserver_request_total{code="409",component="apiserver",group="batch",resource="cronjobs",scope="resource",subresource="",verb="PUT",version="v1"} 3
apiserver_request_total{code="201",component="apiserver",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 1500
apiserver_request_total{code="200",component="apiserver",group="",resource="events",scope="resource",subresource="",verb="PATCH",version="v1"} 500
apiserver_request_total{code="200",component="apiserver",group="",resource="configmaps",scope="resource",subresource="",verb="LIST",version="v1"} 9
apiserver_request_total{code="200",component="apiserver",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="PUT",version="v1"} 70
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{verb="POST",le="0.1"} 3
apiserver_request_duration_seconds_bucket{verb="POST",le="+Inf"} 4
apiserver_request_duration_seconds_sum{verb="POST"} 0.2
apiserver_request_duration_seconds_count{verb="POST"} 4
`

func TestAPIMutations(t *testing.T) {
	s, err := parseMetrics(strings.NewReader(apiserverText))
	if err != nil {
		t.Fatal(err)
	}
	m := apiMutations(s)
	want := "PATCH events 200=500, POST configmaps 201=2000, POST events 201=1500, PUT cronjobs 409=3, PUT fittingjobs/status 200=2000"
	if got := formatCounts(m); got != want {
		t.Errorf("apiMutations =\n %s\nwant\n %s", got, want)
	}
	if got := eventWrites(m); got != 2000 {
		t.Errorf("eventWrites = %g, want 2000", got)
	}
	if got := objectWrites(m); got != 4003 {
		t.Errorf("objectWrites = %g, want 4003", got)
	}
	m[request{"POST", "fittingjobs", "201"}] = 2000 // the users' creates
	if got := ownWrites(m); got != 4003 {
		t.Errorf("ownWrites with the users' creates = %g, want 4003", got)
	}
}

func TestControllerCounters(t *testing.T) {
	s, err := parseMetrics(strings.NewReader(`# TYPE fittingjob_controller_syncs_total counter
fittingjob_controller_syncs_total{result="Synced"} 1990
fittingjob_controller_syncs_total{result="APIError"} 10
# TYPE rest_client_requests_total counter
rest_client_requests_total{code="200",host="127.0.0.1:6443",method="GET"} 12
rest_client_requests_total{code="201",host="127.0.0.1:6443",method="POST"} 4000
rest_client_requests_total{code="200",host="127.0.0.1:6443",method="PUT"} 2000
# TYPE workqueue_depth gauge
workqueue_depth{name="fittingjob-controller"} 7
workqueue_depth{name="other"} 100
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 0.0001
go_gc_duration_seconds{quantile="1"} 0.002
go_gc_duration_seconds_sum 0.04
go_gc_duration_seconds_count 25
`))
	if err != nil {
		t.Fatal(err)
	}
	c := readCounters(s)
	if got := formatCounts(c.syncs); got != "APIError=10, Synced=1990" || c.mutating != 6000 || c.queue != 7 || c.gcs != 25 {
		t.Errorf("readCounters = syncs %s, mutating %g, queue %g, GCs %g; want APIError=10, Synced=1990, 6000, 7, 25",
			got, c.mutating, c.queue, c.gcs)
	}
	if _, err := parseMetrics(strings.NewReader("broken{ 1\n")); err == nil {
		t.Error("a malformed exposition parsed")
	}
}
