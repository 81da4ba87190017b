// Command fittingjob-controller keeps, for every FittingJob, a ConfigMap
// with the fitting container's configuration and a CronJob that runs it.
package main

import (
	"context"
	"flag"
	"os/signal"
	"syscall"

	"k8s.io/klog/v2"

	"github.com/intelligent-hpa/fittingjob-controller/cmd/fittingjob-controller/app"
)

func main() {
	opts := app.NewOptions()
	qps := float64(opts.QPS)
	klog.InitFlags(nil)
	flag.StringVar(&opts.Kubeconfig, "kubeconfig", "", "Path to a kubeconfig. Empty: in-cluster configuration.")
	flag.StringVar(&opts.Namespace, "namespace", "", "Only reconcile FittingJobs in this namespace. Empty: all namespaces.")
	flag.IntVar(&opts.Workers, "workers", opts.Workers, "Number of FittingJobs synced in parallel.")
	flag.DurationVar(&opts.ResyncPeriod, "resync-period", opts.ResyncPeriod, "How often every FittingJob is synced again without any event.")
	flag.Float64Var(&qps, "kube-api-qps", float64(opts.QPS), "Client-side limit of requests to the API server per second.")
	flag.IntVar(&opts.Burst, "kube-api-burst", opts.Burst, "Client-side burst of requests to the API server.")
	flag.StringVar(&opts.ProbeAddress, "health-probe-bind-address", opts.ProbeAddress, "Address of /healthz and /readyz. Empty: disabled.")
	flag.StringVar(&opts.MetricsAddress, "metrics-bind-address", opts.MetricsAddress, "Address of Prometheus /metrics. Empty: disabled.")
	flag.DurationVar(&opts.FreshnessGrace, "freshness-grace", opts.FreshnessGrace, "How long past one schedule period a fit may succeed before the forecast counts as overdue (ForecastFresh=False FitOverdue).")
	opts.LeaderElection.AddFlags(flag.CommandLine)
	flag.Parse()
	opts.QPS = float32(qps)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, opts); err != nil {
		klog.ErrorS(err, "Controller failed")
		klog.FlushAndExit(klog.ExitFlushTimeout, 1)
	}
	klog.Flush()
}
