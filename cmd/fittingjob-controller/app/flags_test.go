package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	componentbaseconfig "k8s.io/component-base/config"
)

func parse(t *testing.T, args ...string) (*CommandLine, string, error) {
	t.Helper()
	fs := pflag.NewFlagSet("fittingjob-controller", pflag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	c, err := Parse(fs, args)
	return c, out.String(), err
}

// Every flag name of earlier releases still parses, and sets what it set.
func TestParseFlags(t *testing.T) {
	c, out, err := parse(t,
		"--kubeconfig", "/k", "--namespace=team", "--workers", "7", "--resync-period=1m",
		"--kube-api-qps=12.5", "--kube-api-burst", "30",
		"--health-probe-bind-address=:1", "--metrics-bind-address", ":2",
		"--leader-elect", "--leader-elect-id=me",
		"--leader-elect-resource-namespace=ns", "--leader-elect-resource-name=lease",
		"--leader-elect-lease-duration=20s", "--leader-elect-renew-deadline=9s", "--leader-elect-retry-period=3s",
		"-v=3", "--vmodule=sync=5", "--logging-format=json")
	if err != nil {
		t.Fatalf("Parse() error = %v; output %s", err, out)
	}
	want := NewOptions()
	want.Kubeconfig, want.Namespace, want.Workers, want.ResyncPeriod = "/k", "team", 7, time.Minute
	want.QPS, want.Burst, want.ProbeAddress, want.MetricsAddress = 12.5, 30, ":1", ":2"
	want.LeaderElection = LeaderElection{Identity: "me", LeaderElectionConfiguration: componentbaseconfig.LeaderElectionConfiguration{
		LeaderElect: true, ResourceLock: "leases", ResourceNamespace: "ns", ResourceName: "lease",
		LeaseDuration: metav1.Duration{Duration: 20 * time.Second}, RenewDeadline: metav1.Duration{Duration: 9 * time.Second},
		RetryPeriod: metav1.Duration{Duration: 3 * time.Second},
	}}
	if diff := cmp.Diff(want, c.Options); diff != "" {
		t.Errorf("Options differ (-want +got):\n%s", diff)
	}
	if c.Logging.Format != "json" || c.Logging.Verbosity != 3 || len(c.Logging.VModule) != 1 || c.Logging.VModule[0].FilePattern != "sync" {
		t.Errorf("logging = %+v, want json, -v=3, --vmodule=sync=5", c.Logging)
	}
	if c.ShowVersion {
		t.Error("--version set without the flag")
	}
}

func TestParseDefaults(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "fittingjob-system")
	c, _, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(NewOptions(), c.Options); diff != "" {
		t.Errorf("Options differ from NewOptions() (-want +got):\n%s", diff)
	}
	if l := c.Options.LeaderElection; l.ResourceName != "fittingjob-controller" || l.ResourceNamespace != "fittingjob-system" || l.LeaderElect {
		t.Errorf("leader election = %+v, want lease fittingjob-controller in $POD_NAMESPACE, disabled", l)
	}
	if c.Logging.Format != "text" {
		t.Errorf("--logging-format defaults to %q, want text", c.Logging.Format)
	}
}

// The metrics endpoint is HTTPS with delegated authentication by default;
// its flags set the options.
func TestParseMetricsFlags(t *testing.T) {
	c, _, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if o := c.Options; o.MetricsAddress != ":8443" || !o.MetricsSecure || o.TLSCertFile != "" || o.TLSPrivateKeyFile != "" || o.Profiling {
		t.Errorf("defaults: metrics on %q, secure %v, certificate %q %q, profiling %v; want :8443, secure, self-signed, no profiling",
			o.MetricsAddress, o.MetricsSecure, o.TLSCertFile, o.TLSPrivateKeyFile, o.Profiling)
	}
	c, out, err := parse(t, "--metrics-secure=false", "--tls-cert-file=/c", "--tls-private-key-file", "/k", "--profiling")
	if err != nil {
		t.Fatalf("Parse() error = %v; output %s", err, out)
	}
	if o := c.Options; o.MetricsSecure || o.TLSCertFile != "/c" || o.TLSPrivateKeyFile != "/k" || !o.Profiling {
		t.Errorf("Options = %+v, want insecure, /c, /k, profiling", o)
	}
}

// The leader election flags of earlier releases set the new ones, with a
// warning, so that deployed manifests keep working.
func TestDeprecatedLeaderElectFlags(t *testing.T) {
	c, out, err := parse(t, "--leader-elect-namespace=old-ns", "--leader-elect-lease-name=old-lease")
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Options.LeaderElection; l.ResourceNamespace != "old-ns" || l.ResourceName != "old-lease" {
		t.Errorf("leader election = %+v, want namespace old-ns, lease old-lease", l)
	}
	for _, warning := range []string{
		"Flag --leader-elect-namespace has been deprecated, use --leader-elect-resource-namespace instead",
		"Flag --leader-elect-lease-name has been deprecated, use --leader-elect-resource-name instead",
	} {
		if !strings.Contains(out, warning) {
			t.Errorf("output %q lacks %q", out, warning)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"--workers=many"},
		{"stray-argument"},
		// klog's legacy flags are gone: component-base's replace them.
		{"--logtostderr"},
		// component-base's validation of leader election, and a Lease lock.
		{"--leader-elect", "--leader-elect-renew-deadline=20s"},
		{"--leader-elect", "--leader-elect-retry-period=0s"},
		{"--leader-elect", "--leader-elect-resource-lock=endpoints"},
	} {
		if _, _, err := parse(t, args...); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", args)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	c, _, err := parse(t, "--version")
	if err != nil {
		t.Fatal(err)
	}
	if !c.ShowVersion {
		t.Error("--version did not set ShowVersion")
	}
	if got := VersionString(); !strings.HasPrefix(got, "fittingjob-controller dev (go") {
		t.Errorf("VersionString() = %q, want fittingjob-controller dev (go…) in a test binary", got)
	}
}
