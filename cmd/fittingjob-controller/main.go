// Command fittingjob-controller keeps, for every FittingJob, a ConfigMap
// with the fitting container's configuration and a CronJob that runs it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/klog/v2"

	"github.com/intelligent-hpa/fittingjob-controller/cmd/fittingjob-controller/app"
)

func main() {
	// ExitOnError: a wrong flag prints the usage and exits with status 2.
	cl, err := app.Parse(pflag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(2)
	}
	if cl.ShowVersion {
		fmt.Println(app.VersionString())
		return
	}
	// Standard library log output goes through klog too, and klog is
	// flushed periodically.
	logs.InitLogs()
	defer logs.FlushLogs()
	if err := logsapi.ValidateAndApply(cl.Logging, nil); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(2)
	}
	klog.InfoS("Starting", "version", app.VersionString())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, cl.Options); err != nil {
		klog.ErrorS(err, "Controller failed")
		logs.FlushLogs()
		os.Exit(1)
	}
}
