package app

import (
	"fmt"

	"github.com/spf13/pflag"
	logsapi "k8s.io/component-base/logs/api/v1"
	// The JSON log format of --logging-format=json.
	_ "k8s.io/component-base/logs/json/register"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/version"
)

// CommandLine is what the binary's flags set: the controller's Options,
// component-base's logging configuration, and --version.
type CommandLine struct {
	Options     Options
	Logging     *logsapi.LoggingConfiguration
	ShowVersion bool
}

// NewCommandLine returns the defaults of every flag.
func NewCommandLine() *CommandLine {
	return &CommandLine{Options: NewOptions(), Logging: logsapi.NewLoggingConfiguration()}
}

// AddFlags adds the binary's flags to fs. The logging flags are those of
// Kubernetes' own components (--logging-format, -v, --vmodule,
// --log-flush-frequency…), not klog's legacy ones.
func (c *CommandLine) AddFlags(fs *pflag.FlagSet) {
	o := &c.Options
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "Path to a kubeconfig. Empty: in-cluster configuration.")
	fs.StringVar(&o.Namespace, "namespace", o.Namespace, "Only reconcile FittingJobs in this namespace. Empty: all namespaces.")
	fs.IntVar(&o.Workers, "workers", o.Workers, "Number of FittingJobs synced in parallel.")
	fs.DurationVar(&o.ResyncPeriod, "resync-period", o.ResyncPeriod, "How often every FittingJob is synced again without any event.")
	fs.Float32Var(&o.QPS, "kube-api-qps", o.QPS, "Client-side limit of requests to the API server per second.")
	fs.IntVar(&o.Burst, "kube-api-burst", o.Burst, "Client-side burst of requests to the API server.")
	fs.StringVar(&o.ProbeAddress, "health-probe-bind-address", o.ProbeAddress, "Address of /healthz and /readyz. Empty: disabled.")
	fs.StringVar(&o.MetricsAddress, "metrics-bind-address", o.MetricsAddress, "Address of Prometheus /metrics. Empty: disabled.")
	fs.BoolVar(&o.MetricsSecure, "metrics-secure", o.MetricsSecure, "Serve the metrics address over HTTPS, only to callers whose bearer token the API server authenticates (TokenReview) and who may get the path (SubjectAccessReview). false: plain HTTP to anyone who reaches the port.")
	fs.StringVar(&o.TLSCertFile, "tls-cert-file", o.TLSCertFile, "PEM certificate (with its chain) of the metrics endpoint, reloaded when it changes. Empty: a self-signed certificate made at start.")
	fs.StringVar(&o.TLSPrivateKeyFile, "tls-private-key-file", o.TLSPrivateKeyFile, "PEM private key of --tls-cert-file.")
	fs.BoolVar(&o.Profiling, "profiling", o.Profiling, "Serve Go's pprof profiles under /debug/pprof/ on the metrics address, with the same authentication and authorization as /metrics.")
	fs.DurationVar(&o.FreshnessGrace, "freshness-grace", o.FreshnessGrace, "How long past one schedule period a fit may succeed before the forecast counts as overdue (ForecastFresh=False FitOverdue).")
	o.LeaderElection.AddFlags(fs)
	logsapi.AddFlags(c.Logging, fs)
	fs.BoolVar(&c.ShowVersion, "version", false, "Print the version and exit.")
}

// Parse parses args (without the program name) into a new CommandLine.
// fs must be empty; its error handling decides what a wrong flag does.
func Parse(fs *pflag.FlagSet, args []string) (*CommandLine, error) {
	c := NewCommandLine()
	c.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("no arguments expected, got %q", fs.Args())
	}
	if err := c.Options.LeaderElection.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// VersionString is what --version prints.
func VersionString() string { return version.String(programName) }

const programName = ihpav1beta2.ControllerName
