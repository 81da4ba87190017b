// Command kubectl-fittingjob is a kubectl plugin for FittingJobs. Installed
// on the PATH as kubectl-fittingjob, kubectl runs it as "kubectl fittingjob".
//
//	kubectl fittingjob render -f FILE [-n NAMESPACE]   the ConfigMap and CronJob a FittingJob yields, offline
//	kubectl fittingjob run NAME [-n NAMESPACE] [--wait] start a fitting run now
//
// It uses the standard flag package, one FlagSet per command, to keep the
// plugin's dependencies those of the controller.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `kubectl fittingjob: work with FittingJobs (ihpa.ake.cyberagent.co.jp/v1beta2).

Usage:
  kubectl fittingjob render -f FILE [-n NAMESPACE]
  kubectl fittingjob run NAME [-n NAMESPACE] [--wait] [--timeout DURATION]
                         [--kubeconfig PATH] [--context NAME]

Commands:
  render   Print the ConfigMap and CronJob the controller would create for the
           FittingJobs in a file. Offline: no cluster is contacted.
  run      Start a fitting run of a FittingJob now, as
           "kubectl create job --from=cronjob/NAME" does, and optionally wait
           for it to finish.

Run "kubectl fittingjob COMMAND -h" for the flags of a command.
`

// errUsage marks errors in the command line, which exit with status 2 as
// the flag package does, while failures of the work itself exit with 1.
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
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "render":
		err = renderCommand(rest, stdin, stdout, stderr)
	case "run":
		err = runCommand(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "error: unknown command %q\nSee 'kubectl fittingjob help' for the commands.\n", cmd)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		// Already reported, with a hint to the help.
		return 2
	default:
		// kubectl's own format, so that the plugin reads like kubectl.
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
}

// newFlagSet returns a FlagSet that returns problems instead of printing
// them and exiting: parseFlags prints the help for -h and kubectl's
// "error: ..." for a wrong command line, and execute decides the exit
// status.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args with fs and returns the positional arguments.
// Unlike fs.Parse, it accepts flags after positional arguments, as kubectl
// does ("kubectl fittingjob run NAME --wait"); "--" still ends the flags.
// For -h it prints help to stdout, as kubectl does, and returns
// flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, help string, args []string, stdout, stderr io.Writer) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, help)
				return nil, err
			}
			return nil, usageError(stderr, fs.Name(), "%v", err)
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError reports a wrong command line of command cmd, in kubectl's
// words, and returns errUsage.
func usageError(stderr io.Writer, cmd, format string, args ...any) error {
	fmt.Fprintf(stderr, "error: %s\nSee 'kubectl fittingjob %s -h' for help.\n", fmt.Sprintf(format, args...), cmd)
	return errUsage
}
