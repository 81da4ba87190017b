package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/spf13/cobra"
	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

const runLong = `Start a fitting run of FittingJob NAME now, as
"kubectl create job --from=cronjob/NAME" does: a Job NAME-manual-XXXXX is
created from the job template of the FittingJob's CronJob, annotated
cronjob.kubernetes.io/instantiate=manual and owned by the CronJob (so the
CronJob's history limits clean it up).

The FittingJob must exist, and its CronJob must be the one the controller
keeps for it. With --wait, the command follows the Job, printing its active,
succeeded and failed Pod counts as they change (to stderr when -o is given,
so that stdout stays parseable), and exits with status 0 when the Job
completes and 1 when it fails or --timeout passes (the Job keeps running
then).

--dry-run=client prints the Job without sending it; --dry-run=server sends
it to the API server as a dry run, which checks it (admission, quota,
permissions) without creating it. -o prints the Job in that format instead
of "job.batch/NAME created".

Needs permission to get fittingjobs and cronjobs, to create jobs and, with
--wait, to list and watch jobs in the namespace.`

const runExample = `  # Start a fit now and follow it
  kubectl fittingjob run web -n team-a --wait

  # The Job it would create, checked by the API server, as YAML
  kubectl fittingjob run web --dry-run=server -o yaml`

// runOptions are what "kubectl fittingjob run" does, once the command line
// and the kubeconfig are read.
type runOptions struct {
	Name      string
	Namespace string
	Wait      bool
	Timeout   time.Duration
	// DryRun is none (empty means none), client or server.
	DryRun string
	// Printer prints the Job; nil prints "job.batch/NAME created".
	Printer printers.ResourcePrinter
	// Progress receives --wait's progress lines; nil means stdout.
	Progress io.Writer
	// Suffix ends the Job's name. It is random in the command; tests fix it.
	Suffix string
}

func newRunCommand(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, started func()) *cobra.Command {
	opts := runOptions{Suffix: utilrand.String(5)}
	printFlags := genericclioptions.NewPrintFlags("created")
	cmd := &cobra.Command{
		Use:               "run NAME [--wait] [--dry-run=none|client|server] [-o FORMAT]",
		Short:             "Start a fitting run of a FittingJob now",
		Long:              runLong,
		Example:           runExample,
		Args:              exactArgs("the FittingJob NAME"),
		ValidArgsFunction: completeFittingJobNames(configFlags),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if err := completeDryRun(printFlags, opts.DryRun); err != nil {
				return err
			}
			if opts.DryRun != dryRunNone && opts.Wait {
				return errors.New("--wait cannot be used with --dry-run: no Job runs")
			}
			if opts.Timeout < 0 {
				return errors.New("--timeout must not be negative")
			}
			printer, err := printFlags.ToPrinter()
			if err != nil {
				return err
			}
			opts.Printer = printer
			if printFlags.OutputFlagSpecified() {
				opts.Progress = streams.ErrOut
			}
			started()

			// kubectl's loading rules: --kubeconfig, else $KUBECONFIG,
			// else ~/.kube/config, else in-cluster; -n, else the
			// context's namespace.
			if opts.Namespace, _, err = configFlags.ToRawKubeConfigLoader().Namespace(); err != nil {
				return fmt.Errorf("loading the kubeconfig: %w", err)
			}
			config, err := configFlags.ToRESTConfig()
			if err != nil {
				return fmt.Errorf("loading the kubeconfig: %w", err)
			}
			config = rest.AddUserAgent(config, "kubectl-fittingjob")
			kubeClient, err := kubernetes.NewForConfig(config)
			if err != nil {
				return err
			}
			ihpaClient, err := versioned.NewForConfig(config)
			if err != nil {
				return err
			}
			return runFittingJob(cmd.Context(), kubeClient, ihpaClient, opts, streams.Out, streams.ErrOut)
		},
	}
	cmd.Flags().BoolVar(&opts.Wait, "wait", false, "Wait for the Job to complete or fail.")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 30*time.Minute, "How long --wait waits; 0: no limit.")
	addDryRunFlag(cmd, &opts.DryRun, "print the Job, send nothing", "the API server checks the Job without creating it")
	printFlags.AddFlags(cmd)
	return cmd
}

// runFittingJob creates a Job from the CronJob of FittingJob opts.Name and,
// with opts.Wait, waits for it to finish. It takes the clients as
// parameters so that tests can hand it fakes.
func runFittingJob(ctx context.Context, kube kubernetes.Interface, ihpa versioned.Interface, opts runOptions, stdout, stderr io.Writer) error {
	fj, err := ihpa.IhpaV1beta2().FittingJobs(opts.Namespace).Get(ctx, opts.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("no FittingJob %s in namespace %s", opts.Name, opts.Namespace)
	}
	if err != nil {
		return fmt.Errorf("reading FittingJob %s/%s: %w", opts.Namespace, opts.Name, err)
	}
	if warning := readinessWarning(fj); warning != "" {
		fmt.Fprintf(stderr, "Warning: %s\n", warning)
	}

	cjName := generator.CronJobName(fj)
	cj, err := kube.BatchV1().CronJobs(fj.Namespace).Get(ctx, cjName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("FittingJob %s/%s has no CronJob %s yet: is the fittingjob-controller running? (kubectl describe fittingjob %s -n %s)",
			fj.Namespace, fj.Name, cjName, fj.Name, fj.Namespace)
	}
	if err != nil {
		return fmt.Errorf("reading CronJob %s/%s: %w", fj.Namespace, cjName, err)
	}
	// A CronJob of that name that the FittingJob does not control is
	// someone else's (the controller reports it as CronJobConflict): its
	// template is not this FittingJob's fit.
	if !metav1.IsControlledBy(cj, fj) {
		return fmt.Errorf("CronJob %s/%s is not controlled by FittingJob %s, so it does not run its fit (see the FittingJob's Ready condition)",
			cj.Namespace, cj.Name, fj.Name)
	}

	job := jobFromCronJob(cj, manualJobName(cj.Name, opts.Suffix))
	if opts.DryRun != dryRunClient {
		create := metav1.CreateOptions{}
		if opts.DryRun == dryRunServer {
			create.DryRun = []string{metav1.DryRunAll}
		}
		if job, err = kube.BatchV1().Jobs(cj.Namespace).Create(ctx, job, create); err != nil {
			return fmt.Errorf("creating a Job from CronJob %s/%s: %w", cj.Namespace, cj.Name, err)
		}
	}
	printer := opts.Printer
	if printer == nil {
		printer = &printers.NamePrinter{Operation: "created"}
	}
	// Printers need the Job's kind, which typed clients leave empty.
	printer = printers.NewTypeSetter(scheme.Scheme).ToPrinter(printer)
	if err := printer.PrintObj(job, stdout); err != nil {
		return err
	}
	if !opts.Wait {
		return nil
	}
	progress := opts.Progress
	if progress == nil {
		progress = stdout
	}
	return waitForJob(ctx, kube, job, opts.Timeout, progress)
}

// readinessWarning says when the CronJob may not reflect the FittingJob's
// spec yet: the controller has not seen the latest generation, or could
// not bring the CronJob in line with it. The run can still be wanted (to
// rerun yesterday's fit), so this is a warning, not an error.
func readinessWarning(fj *ihpav1beta2.FittingJob) string {
	ready := apimeta.FindStatusCondition(fj.Status.Conditions, ihpav1beta2.ConditionReady)
	switch {
	case fj.Status.ObservedGeneration < fj.Generation:
		return fmt.Sprintf("the controller has not yet synced the latest spec of FittingJob %s/%s; the run uses the CronJob as it is", fj.Namespace, fj.Name)
	case ready != nil && ready.Status != metav1.ConditionTrue:
		return fmt.Sprintf("FittingJob %s/%s is not Ready (%s: %s); the run uses the CronJob as it is", fj.Namespace, fj.Name, ready.Reason, ready.Message)
	}
	return ""
}

// maxJobNameLength keeps a Job's name usable as a label value: the Job
// controller labels its Pods with it (batch.kubernetes.io/job-name).
const maxJobNameLength = 63

// manualJobName is "<cronjob>-manual-<suffix>", the CronJob's name cut
// short when needed: a FittingJob name may take 52 characters.
func manualJobName(cronJobName, suffix string) string {
	tail := "-manual-" + suffix
	if keep := maxJobNameLength - len(tail); len(cronJobName) > keep {
		cronJobName = cronJobName[:keep]
	}
	return cronJobName + tail
}

// jobFromCronJob is the Job "kubectl create job --from=cronjob/..." would
// create: the job template's labels, annotations and spec, the annotation
// cronjob.kubernetes.io/instantiate=manual, and the CronJob as controller.
func jobFromCronJob(cj *batchv1.CronJob, name string) *batchv1.Job {
	annotations := map[string]string{"cronjob.kubernetes.io/instantiate": "manual"}
	maps.Copy(annotations, cj.Spec.JobTemplate.Annotations)
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   cj.Namespace,
			Labels:      maps.Clone(cj.Spec.JobTemplate.Labels),
			Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: batchv1.SchemeGroupVersion.String(),
				Kind:       "CronJob",
				Name:       cj.Name,
				UID:        cj.UID,
				Controller: new(true),
				// No BlockOwnerDeletion, as kubectl: setting it needs
				// permission on cronjobs/finalizers, which a user who may
				// create Jobs need not have.
			}},
		},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}
}
