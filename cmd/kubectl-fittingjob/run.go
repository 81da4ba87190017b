package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

const runHelp = `Usage: kubectl fittingjob run NAME [-n NAMESPACE] [--wait] [--timeout DURATION]
                              [--kubeconfig PATH] [--context NAME]

Start a fitting run of FittingJob NAME now, as
"kubectl create job --from=cronjob/NAME" does: a Job NAME-manual-XXXXX is
created from the job template of the FittingJob's CronJob, annotated
cronjob.kubernetes.io/instantiate=manual and owned by the CronJob (so the
CronJob's history limits clean it up).

The FittingJob must exist, and its CronJob must be the one the controller
keeps for it. With --wait, the command follows the Job, printing its active,
succeeded and failed Pod counts as they change, and exits with status 0 when
the Job completes and 1 when it fails or --timeout passes (the Job keeps
running then).

Needs permission to get fittingjobs and cronjobs, to create jobs and, with
--wait, to list and watch jobs in the namespace.

Flags:
  -n, --namespace NAME    namespace of the FittingJob (default: the current
                          context's namespace)
  --wait                  wait for the Job to complete or fail
  --timeout DURATION      how long --wait waits (default 30m; 0: no limit)
  --kubeconfig PATH       kubeconfig file (default: $KUBECONFIG, then
                          ~/.kube/config, then in-cluster configuration)
  --context NAME          kubeconfig context (default: the current context)
`

// runOptions are what "kubectl fittingjob run" does, once the command line
// and the kubeconfig are read.
type runOptions struct {
	Name      string
	Namespace string
	Wait      bool
	Timeout   time.Duration
	// Suffix ends the Job's name. It is random in the command; tests fix it.
	Suffix string
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run")
	opts := runOptions{Suffix: utilrand.String(5)}
	var kubeconfig, kubecontext string
	fs.StringVar(&opts.Namespace, "n", "", "")
	fs.StringVar(&opts.Namespace, "namespace", "", "")
	fs.BoolVar(&opts.Wait, "wait", false, "")
	fs.DurationVar(&opts.Timeout, "timeout", 30*time.Minute, "")
	fs.StringVar(&kubeconfig, "kubeconfig", "", "")
	fs.StringVar(&kubecontext, "context", "", "")
	positional, err := parseFlags(fs, runHelp, args, stdout, stderr)
	switch {
	case err != nil:
		return err
	case len(positional) == 0:
		return usageError(stderr, fs.Name(), "the FittingJob NAME is required")
	case len(positional) > 1:
		return usageError(stderr, fs.Name(), "run takes one FittingJob NAME, got %d: %q", len(positional), positional)
	case opts.Timeout < 0:
		return usageError(stderr, fs.Name(), "--timeout must not be negative")
	}
	opts.Name = positional[0]

	// The loading rules kubectl uses: --kubeconfig, else $KUBECONFIG, else
	// ~/.kube/config, else the in-cluster configuration; and the namespace
	// from -n, else from the context.
	loadingRules := clientcmd.NewDefaultClientConfigLoadingRules()
	loadingRules.ExplicitPath = kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubecontext}
	overrides.Context.Namespace = opts.Namespace
	clientConfig := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loadingRules, overrides)
	if opts.Namespace, _, err = clientConfig.Namespace(); err != nil {
		return fmt.Errorf("loading the kubeconfig: %w", err)
	}
	config, err := clientConfig.ClientConfig()
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
	return runFittingJob(ctx, kubeClient, ihpaClient, opts, stdout, stderr)
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

	job, err := kube.BatchV1().Jobs(cj.Namespace).Create(ctx, jobFromCronJob(cj, manualJobName(cj.Name, opts.Suffix)), metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("creating a Job from CronJob %s/%s: %w", cj.Namespace, cj.Name, err)
	}
	fmt.Fprintf(stdout, "job.batch/%s created\n", job.Name)
	if !opts.Wait {
		return nil
	}
	return waitForJob(ctx, kube, job, opts.Timeout, stdout)
}

// readinessWarning says when the CronJob may not reflect the FittingJob's
// spec yet: the controller has not seen the latest generation, or could
// not bring the CronJob in line with it. The run can still be wanted (to
// rerun yesterday's fit), so this is a warning, not an error.
func readinessWarning(fj *ihpav1beta2.FittingJob) string {
	ready := apimeta.FindStatusCondition(fj.Status.Conditions, "Ready")
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
