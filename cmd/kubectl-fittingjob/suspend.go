package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned/scheme"
)

const suspendLong = `%s FittingJob NAME: set its spec.suspend to %t with a merge patch, as
"kubectl patch fj NAME --type merge -p '{"spec":{"suspend":%t}}'" does. The
controller passes it on to the CronJob, which %s.

--dry-run=client prints what would be done without sending anything (the
FittingJob must exist); --dry-run=server sends the patch as a server-side
dry run, which the API server checks (admission, permissions) without
storing it. -o prints the patched FittingJob in that format.

Needs permission to patch fittingjobs, which the built-in edit role grants
once the FittingJob API is installed.`

// newSuspendCommand is "suspend" (suspend true) or "resume" (false).
func newSuspendCommand(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, started func(), suspend bool) *cobra.Command {
	verb, done, short, long, example := "suspend", "suspended", "Stop the scheduled fits of a FittingJob",
		fmt.Sprintf(suspendLong, "Suspend", true, true, "then starts no run (runs already started go on, and kubectl fittingjob run still starts one)"),
		"  # No scheduled fit of web until it is resumed\n  kubectl fittingjob suspend web -n team-a"
	if !suspend {
		verb, done, short, long, example = "resume", "resumed", "Resume the scheduled fits of a suspended FittingJob",
			fmt.Sprintf(suspendLong, "Resume", false, false, "starts runs again at the next scheduled time (missed ones within startingDeadlineSeconds may start at once)"),
			"  # Scheduled fits of web again\n  kubectl fittingjob resume web -n team-a"
	}
	var dryRun string
	printFlags := genericclioptions.NewPrintFlags(done)
	cmd := &cobra.Command{
		Use:               verb + " NAME [--dry-run=none|client|server] [-o FORMAT]",
		Short:             short,
		Long:              long,
		Example:           example,
		Args:              exactArgs("the FittingJob NAME"),
		ValidArgsFunction: completeFittingJobNames(configFlags),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := completeDryRun(printFlags, dryRun); err != nil {
				return err
			}
			printer, err := printFlags.ToPrinter()
			if err != nil {
				return err
			}
			started()
			namespace, _, ihpa, err := connect(configFlags)
			if err != nil {
				return err
			}
			return setSuspend(cmd.Context(), ihpa, namespace, args[0], suspend, dryRun, printer, streams.Out)
		},
	}
	addDryRunFlag(cmd, &dryRun, "print what would be done, send nothing", "the API server checks the patch without storing it")
	printFlags.AddFlags(cmd)
	return cmd
}

// setSuspend sets spec.suspend of FittingJob name with a merge patch and
// prints the FittingJob; a client dry run reads it and patches nothing.
func setSuspend(ctx context.Context, ihpa versioned.Interface, namespace, name string, suspend bool, dryRun string, printer printers.ResourcePrinter, stdout io.Writer) error {
	fittingJobs := ihpa.IhpaV1beta2().FittingJobs(namespace)
	var fj *ihpav1beta2.FittingJob
	var err error
	if dryRun == dryRunClient {
		if fj, err = fittingJobs.Get(ctx, name, metav1.GetOptions{}); err == nil {
			fj.Spec.Suspend = &suspend
		}
	} else {
		options := metav1.PatchOptions{}
		if dryRun == dryRunServer {
			options.DryRun = []string{metav1.DryRunAll}
		}
		patch := fmt.Appendf(nil, `{"spec":{"suspend":%t}}`, suspend)
		fj, err = fittingJobs.Patch(ctx, name, types.MergePatchType, patch, options)
	}
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("no FittingJob %s in namespace %s", name, namespace)
	}
	if err != nil {
		return fmt.Errorf("patching FittingJob %s/%s: %w", namespace, name, err)
	}
	// Printers need the kind, which typed clients leave empty.
	return printers.NewTypeSetter(scheme.Scheme).ToPrinter(printer).PrintObj(fj, stdout)
}
