package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// The values of --dry-run, as kubectl's.
const (
	dryRunNone   = "none"
	dryRunClient = "client"
	dryRunServer = "server"
)

// addDryRunFlag adds --dry-run to cmd, with its completion; client and
// server say what each dry run does.
func addDryRunFlag(cmd *cobra.Command, dryRun *string, client, server string) {
	cmd.Flags().StringVar(dryRun, "dry-run", dryRunNone, fmt.Sprintf(`"none", "client" (%s) or "server" (%s).`, client, server))
	_ = cmd.RegisterFlagCompletionFunc("dry-run", cobra.FixedCompletions([]string{dryRunNone, dryRunClient, dryRunServer}, cobra.ShellCompDirectiveNoFileComp))
}

// completeDryRun checks the value of --dry-run and has the printer say which
// dry run its output is of, as kubectl's printers do.
func completeDryRun(printFlags *genericclioptions.PrintFlags, dryRun string) error {
	switch dryRun {
	case dryRunNone:
	case dryRunClient:
		printFlags.Complete("%s (dry run)")
	case dryRunServer:
		printFlags.Complete("%s (server dry run)")
	default:
		return fmt.Errorf(`--dry-run must be "none", "client" or "server", not %q`, dryRun)
	}
	return nil
}
