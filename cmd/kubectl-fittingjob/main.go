// Command kubectl-fittingjob is a kubectl plugin for FittingJobs. Installed
// on the PATH as kubectl-fittingjob, kubectl runs it as "kubectl fittingjob".
//
//	kubectl fittingjob render -f FILE|-k DIR [-o FORMAT]   the ConfigMap and CronJob a FittingJob yields, offline
//	kubectl fittingjob run NAME [--wait] [--dry-run=...]    start a fitting run now
//	kubectl fittingjob status NAME [-o FORMAT]              why the forecast is fresh or stale
//	kubectl fittingjob suspend|resume NAME [--dry-run=...]  stop or restart the scheduled fits
//
// It is built as kubectl's own commands are: cobra for the command line,
// k8s.io/cli-runtime for the connection flags (ConfigFlags), the output
// formats (PrintFlags) and reading manifests (resource.Builder).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/version"
)

const rootLong = `kubectl fittingjob: work with FittingJobs (ihpa.ake.cyberagent.co.jp/v1beta2).

  render   Print the ConfigMap and CronJob the controller would create for the
           FittingJobs in manifests. Offline: no cluster is contacted.
  run      Start a fitting run of a FittingJob now, as
           "kubectl create job --from=cronjob/NAME" does, and optionally wait
           for it to finish.
  status   Show why a FittingJob's forecast is fresh or stale: its
           conditions, schedule and next run, last run and recent Jobs.
  suspend  Stop the scheduled fits of a FittingJob (spec.suspend: true).
  resume   Start them again (spec.suspend: false).
  version  Print the plugin's version and the controller's.

The connection flags (--kubeconfig, --context, --as, -n, ...) are kubectl's.`

// errUsage marks errors in the command line that were already reported
// with a hint to the help. They exit with status 2, as before the plugin
// moved to cobra, while failures of the work itself exit with 1.
var errUsage = errors.New("usage error")

func main() {
	// Ctrl-C ends a --wait through the context, so that the command says
	// the Job keeps running instead of dying mid-watch.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs the command line args and returns the exit status. It is
// main without the process: tests call it with their own streams.
func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	streams := genericiooptions.IOStreams{In: stdin, Out: stdout, ErrOut: stderr}
	ran := false
	root := newRootCommand(streams, func() { ran = true })
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	case !ran:
		// cobra refused the command line before any command ran: an
		// unknown command or flag, or a wrong number of arguments.
		cmd, _, findErr := root.Find(args)
		if findErr != nil || cmd == nil {
			cmd = root
		}
		fmt.Fprintf(stderr, "error: %v\nSee '%s -h' for help.\n", err, cmd.CommandPath())
		return 2
	default:
		// kubectl's own format, so that the plugin reads like kubectl.
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
}

// newRootCommand is "kubectl fittingjob" with its commands; started is
// called when a command starts its work, after its command line is
// accepted.
func newRootCommand(streams genericiooptions.IOStreams, started func()) *cobra.Command {
	configFlags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{
		Use:   "kubectl-fittingjob",
		Short: "Work with FittingJobs",
		Long:  rootLong,
		// Shown as "kubectl fittingjob" in help and completion scripts.
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl fittingjob"},
		Version:       version.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// No command: the usage, on stderr, as a usage error.
			cmd.SetOut(streams.ErrOut)
			_ = cmd.Usage()
			return errUsage
		},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetVersionTemplate(version.String("kubectl-fittingjob") + "\n")
	configFlags.AddFlags(root.PersistentFlags())
	registerConnectionCompletions(root, configFlags)

	root.AddCommand(newRenderCommand(configFlags, streams, started))
	root.AddCommand(newRunCommand(configFlags, streams, started))
	root.AddCommand(newStatusCommand(configFlags, streams, started))
	root.AddCommand(newLogsCommand(configFlags, streams, started))
	root.AddCommand(newSuspendCommand(configFlags, streams, started, true))
	root.AddCommand(newSuspendCommand(configFlags, streams, started, false))
	root.AddCommand(newVersionCommand(configFlags, streams, started))
	return root
}

// exactArgs is cobra.ExactArgs with the argument named in the error.
func exactArgs(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return fmt.Errorf("%s is required", what)
		case len(args) > 1:
			return fmt.Errorf("%s takes one %s, got %d: %q", cmd.Name(), what, len(args), args)
		}
		return nil
	}
}
