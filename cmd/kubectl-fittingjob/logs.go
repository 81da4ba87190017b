package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

const logsLong = `Print the logs of the fitting container of a FittingJob's last run: the
newest Pod of its newest Job (from the schedule or started by hand).
With -f, follow them until the container ends.`

const logsExample = `  # Why did the last fit fail?
  kubectl fittingjob logs ihpa-web-http-requests-total

  # Follow a fit started by hand
  kubectl fittingjob run ihpa-web-http-requests-total
  kubectl fittingjob logs ihpa-web-http-requests-total -f`

func newLogsCommand(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, started func()) *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:               "logs NAME [-f]",
		Short:             "Print the logs of a FittingJob's last run",
		Long:              logsLong,
		Example:           logsExample,
		Args:              exactArgs("the FittingJob NAME"),
		ValidArgsFunction: completeFittingJobNames(configFlags),
		RunE: func(cmd *cobra.Command, args []string) error {
			started()
			namespace, kube, _, err := connect(configFlags)
			if err != nil {
				return err
			}
			return printLogs(cmd.Context(), kube, namespace, args[0], follow, streams.Out)
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "Follow the logs until the container ends.")
	return cmd
}

// printLogs copies to out the logs of the fitting container of the newest
// Pod of the FittingJob's newest Job. Only list on jobs and pods and get
// on pods/log, which the built-in view role grants.
func printLogs(ctx context.Context, kube kubernetes.Interface, namespace, name string, follow bool, out io.Writer) error {
	byFittingJob := labels.Set{ihpav1beta2.FittingJobNameLabel: name}.AsSelector().String()
	jobs, err := kube.BatchV1().Jobs(namespace).List(ctx, metav1.ListOptions{LabelSelector: byFittingJob})
	if err != nil {
		return fmt.Errorf("listing the Jobs of FittingJob %s/%s: %w", namespace, name, err)
	}
	newest := newestJobs(jobs.Items, 1)
	if len(newest) == 0 {
		return fmt.Errorf("FittingJob %s/%s has no run yet (no Job labelled %s)", namespace, name, byFittingJob)
	}
	job := &newest[0]
	pod, err := newestPod(ctx, kube, job, byFittingJob)
	if err != nil {
		return fmt.Errorf("listing the Pods of Job %s: %w", job.Name, err)
	}
	if pod == nil {
		return fmt.Errorf("Job %s of FittingJob %s/%s has no Pod: `kubectl fittingjob status %s` says why", job.Name, namespace, name, name)
	}
	stream, err := kube.CoreV1().Pods(namespace).GetLogs(pod.Name, &corev1.PodLogOptions{
		Container: generator.ContainerName,
		Follow:    follow,
	}).Stream(ctx)
	if err != nil {
		return fmt.Errorf("reading the logs of Pod %s (Job %s): %w", pod.Name, job.Name, err)
	}
	defer stream.Close()
	if _, err := io.Copy(out, stream); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("reading the logs of Pod %s: %w", pod.Name, err)
	}
	return nil
}
