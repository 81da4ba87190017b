//go:build integration

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The controller binary as a Kubernetes component: JSON logs with
// --logging-format=json, --version, the build info, client-side throttling
// and leader election status on /metrics (1 on the leader, 0 on the
// standby, under the default Lease name), and the leader election flags of
// earlier releases still accepted. The leader serves /metrics as shipped
// (HTTPS, to a ServiceAccount bound to the reader role), the standby with
// --metrics-secure=false (plain HTTP, no credentials).
func TestControllerAsComponent(t *testing.T) {
	binary, err := filepath.Abs(filepath.Join("..", "..", ".bin", "fittingjob-controller"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binary, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	// "fittingjob-controller <version> (<go version>, <os>/<arch>)"
	m := regexp.MustCompile(`^fittingjob-controller (\S+) \((go\S+), (\w+)/(\w+)\)\n$`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("--version printed %q", out)
	}
	buildInfo := `fittingjob_controller_build_info{goarch="` + m[4] + `",goos="` + m[3] + `",goversion="` + m[2] + `",version="` + m[1] + `"} 1`

	const leaseNamespace, leaseName = "fittingjob-system", "fittingjob-controller"
	t.Cleanup(func() {
		_ = kube.CoordinationV1().Leases(leaseNamespace).Delete(context.Background(), leaseName, metav1.DeleteOptions{})
	})
	fast := []string{"--leader-elect", "--leader-elect-lease-duration=3s", "--leader-elect-renew-deadline=2s", "--leader-elect-retry-period=500ms"}
	holder := func(id string) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			l, err := kube.CoordinationV1().Leases(leaseNamespace).Get(ctx, leaseName, metav1.GetOptions{})
			return err == nil && l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity == id, nil
		}
	}
	ns := newNamespace(t)
	leaderMetrics, standbyMetrics := newMetricsEndpoint(t, ns), freeAddress(t)
	scrapeLeader := func() string {
		_, body := getTLS(t, "https://"+leaderMetrics.address+"/metrics", leaderMetrics.token)
		return body
	}
	scrapeStandby := func() string {
		_, body := get(t, "http://"+standbyMetrics+"/metrics")
		return body
	}
	status := func(scrape func() string, want string) func(context.Context) (bool, error) {
		return func(context.Context) (bool, error) {
			return strings.Contains(scrape(), `leader_election_master_status{name="`+leaseName+`"} `+want+"\n"), nil
		}
	}

	leader := startControllerBinary(t, ns, append(fast,
		"--logging-format=json", "--metrics-bind-address="+leaderMetrics.address,
		"--leader-elect-resource-namespace="+leaseNamespace, "--leader-elect-id=json-leader")...)
	eventually(t, 30*time.Second, "the JSON-logging replica to lead", holder("json-leader"))
	fj := createFittingJob(t, testutil.FittingJob(ns, "component"))
	waitReady(t, ns, fj.Name)

	// The standby is configured with the deprecated flag names.
	standby := startControllerBinary(t, ns, append(fast,
		"--metrics-bind-address="+standbyMetrics, "--metrics-secure=false",
		"--leader-elect-namespace="+leaseNamespace, "--leader-elect-lease-name="+leaseName, "--leader-elect-id=standby")...)

	eventually(t, 30*time.Second, "leader_election_master_status 1 on the leader", status(scrapeLeader, "1"))
	eventually(t, 30*time.Second, "leader_election_master_status 0 on the standby", status(scrapeStandby, "0"))
	body := scrapeLeader()
	for _, series := range []string{buildInfo, `rest_client_rate_limiter_duration_seconds_count{host=`} {
		if !strings.Contains(body, series) {
			t.Errorf("the leader's /metrics has no %s", series)
		}
	}
	if body := scrapeStandby(); !strings.Contains(body, buildInfo) {
		t.Errorf("the standby's /metrics has no %s", buildInfo)
	}

	// The leader dies without releasing the Lease: the standby takes over
	// once it expires, and says so.
	leader.kill()
	eventually(t, 30*time.Second, "the standby to lead", holder("standby"))
	eventually(t, 30*time.Second, "leader_election_master_status 1 on the new leader", status(scrapeStandby, "1"))
	standby.kill()

	checkJSONLog(t, leader.logPath)
	standbyLog, err := os.ReadFile(standby.logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, warning := range []string{
		"Flag --leader-elect-namespace has been deprecated, use --leader-elect-resource-namespace instead",
		"Flag --leader-elect-lease-name has been deprecated, use --leader-elect-resource-name instead",
	} {
		if !strings.Contains(string(standbyLog), warning) {
			t.Errorf("the standby's log lacks the warning %q", warning)
		}
	}
}

// checkJSONLog checks that every line of the log at path is a JSON object
// with a message, and that the log shows the controller starting and
// syncing (at -v=1).
func checkJSONLog(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	messages := map[string]bool{}
	lines := 0
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		lines++
		var entry struct {
			Msg *string `json:"msg"`
			TS  float64 `json:"ts"`
		}
		if err := json.Unmarshal(scanner.Bytes(), &entry); err != nil || entry.Msg == nil || entry.TS == 0 {
			t.Errorf("log line %d is not a JSON log entry (%v): %s", lines, err, scanner.Text())
			continue
		}
		messages[*entry.Msg] = true
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"Starting", "Started leading"} {
		if !messages[msg] {
			t.Errorf("the JSON log (%d lines) has no entry %q", lines, msg)
		}
	}
}
