package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/kubernetes"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

const statusLong = `Show why FittingJob NAME's forecast is fresh or stale: its Ready and
ForecastFresh conditions, the schedule in force and its next run (in the
FittingJob's timeZone), the last schedule and last success, the last run as
the controller recorded it, and the FittingJob's most recent Jobs (newest
first, at most 5) with their outcome. For the newest Job that has not
succeeded (running, stuck or failed), it also shows how its Pod's fitting
container is doing: waiting or terminated, the reason and the exit code.

-o json|yaml|name|jsonpath=... prints instead a v1 List of the FittingJob,
those Jobs and, when one was inspected, that Pod, as the API server returned
them (the next run is not in it).

It only reads: it needs get on fittingjobs and list on jobs and pods in the
namespace, which the built-in view role grants once the FittingJob API is
installed.`

const statusExample = `  # Why is the forecast of web stale?
  kubectl fittingjob status web -n team-a

  # The FittingJob and its recent Jobs, as YAML
  kubectl fittingjob status web -o yaml`

// maxStatusJobs is how many of the FittingJob's Jobs status shows.
const maxStatusJobs = 5

func newStatusCommand(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, started func()) *cobra.Command {
	printFlags := genericclioptions.NewPrintFlags("")
	cmd := &cobra.Command{
		Use:               "status NAME [-o FORMAT]",
		Short:             "Show why a FittingJob's forecast is fresh or stale",
		Long:              statusLong,
		Example:           statusExample,
		Args:              exactArgs("the FittingJob NAME"),
		ValidArgsFunction: completeFittingJobNames(configFlags),
		RunE: func(cmd *cobra.Command, args []string) error {
			var printer printers.ResourcePrinter
			if printFlags.OutputFlagSpecified() {
				p, err := printFlags.ToPrinter()
				if err != nil {
					return err
				}
				printer = p
			}
			started()
			namespace, kube, ihpa, err := connect(configFlags)
			if err != nil {
				return err
			}
			report, err := gatherStatus(cmd.Context(), kube, ihpa, namespace, args[0])
			if err != nil {
				return err
			}
			if printer != nil {
				return printer.PrintObj(report.list(), streams.Out)
			}
			report.write(streams.Out, time.Now())
			return nil
		},
	}
	printFlags.AddFlags(cmd)
	return cmd
}

// statusReport is what status found.
type statusReport struct {
	fj *ihpav1beta2.FittingJob
	// jobs are the FittingJob's newest Jobs, newest first.
	jobs []batchv1.Job
	// inspected is the Job whose Pod was looked at, pod that Pod; either
	// may be nil.
	inspected *batchv1.Job
	pod       *corev1.Pod
	// podErr says why no Pod could be read for inspected.
	podErr error
}

// gatherStatus reads the FittingJob, its Jobs and, for the newest Job that
// has not succeeded, its newest Pod. Only get and list.
func gatherStatus(ctx context.Context, kube kubernetes.Interface, ihpa versioned.Interface, namespace, name string) (*statusReport, error) {
	fj, err := ihpa.IhpaV1beta2().FittingJobs(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("no FittingJob %s in namespace %s", name, namespace)
	}
	if err != nil {
		return nil, fmt.Errorf("reading FittingJob %s/%s: %w", namespace, name, err)
	}
	byFittingJob := labels.Set{ihpav1beta2.FittingJobNameLabel: name}.AsSelector().String()
	jobList, err := kube.BatchV1().Jobs(namespace).List(ctx, metav1.ListOptions{LabelSelector: byFittingJob})
	if err != nil {
		return nil, fmt.Errorf("listing the Jobs of FittingJob %s/%s: %w", namespace, name, err)
	}
	r := &statusReport{fj: fj, jobs: newestJobs(jobList.Items, maxStatusJobs)}
	for i := range r.jobs {
		if outcome, _ := jobOutcome(&r.jobs[i]); outcome != string(ihpav1beta2.RunSucceeded) {
			r.inspected = &r.jobs[i]
			break
		}
	}
	if r.inspected != nil {
		r.pod, r.podErr = newestPod(ctx, kube, r.inspected, byFittingJob)
	}
	return r, nil
}

// newestJobs sorts jobs newest first (by creation time, then name) and
// keeps at most n.
func newestJobs(jobs []batchv1.Job, n int) []batchv1.Job {
	jobs = slices.Clone(jobs)
	slices.SortFunc(jobs, func(a, b batchv1.Job) int {
		if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
			return c
		}
		return cmp.Compare(b.Name, a.Name)
	})
	return jobs[:min(n, len(jobs))]
}

// newestPod is the newest Pod that job controls, among the FittingJob's.
func newestPod(ctx context.Context, kube kubernetes.Interface, job *batchv1.Job, selector string) (*corev1.Pod, error) {
	list, err := kube.CoreV1().Pods(job.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var newest *corev1.Pod
	for i := range list.Items {
		p := &list.Items[i]
		if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != job.UID {
			continue
		}
		if newest == nil || p.CreationTimestamp.After(newest.CreationTimestamp.Time) ||
			(p.CreationTimestamp.Equal(&newest.CreationTimestamp) && p.Name > newest.Name) {
			newest = p
		}
	}
	return newest, nil
}

// jobOutcome is a Job's outcome in lastRun's words, and a detail: the
// reason of a failure, the Pods of a running Job.
func jobOutcome(j *batchv1.Job) (outcome, detail string) {
	switch {
	case jobCondition(j, batchv1.JobComplete) != nil:
		return string(ihpav1beta2.RunSucceeded), ""
	case jobCondition(j, batchv1.JobFailed) != nil:
		return string(ihpav1beta2.RunFailed), jobCondition(j, batchv1.JobFailed).Reason
	case generator.WaitsForKueue(j):
		return string(ihpav1beta2.RunQueued), "LocalQueue " + j.Labels[ihpav1beta2.KueueQueueLabel]
	case j.Spec.Suspend != nil && *j.Spec.Suspend:
		return string(ihpav1beta2.RunRunning), "suspended"
	}
	return string(ihpav1beta2.RunRunning), fmt.Sprintf("%d active, %d failed", j.Status.Active, j.Status.Failed)
}

// podState says how pod's fitting container is doing: its state's reason
// and exit code, else its last termination, else why the Pod has not
// started.
func podState(pod *corev1.Pod) string {
	for _, s := range pod.Status.ContainerStatuses {
		if s.Name != generator.ContainerName {
			continue
		}
		if w := s.State.Waiting; w != nil {
			state := "waiting: " + w.Reason
			if w.Message != "" {
				state += ": " + w.Message
			}
			if t := s.LastTerminationState.Terminated; t != nil {
				state += "; last " + terminated(t)
			}
			return state
		}
		if t := s.State.Terminated; t != nil {
			return terminated(t)
		}
		if s.State.Running != nil {
			return "running since " + s.State.Running.StartedAt.UTC().Format(time.RFC3339)
		}
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return fmt.Sprintf("not scheduled: %s: %s", c.Reason, c.Message)
		}
	}
	if pod.Status.Reason != "" {
		return fmt.Sprintf("%s: %s: %s", pod.Status.Phase, pod.Status.Reason, pod.Status.Message)
	}
	return string(pod.Status.Phase)
}

func terminated(t *corev1.ContainerStateTerminated) string {
	s := fmt.Sprintf("terminated: %s, exit code %d", t.Reason, t.ExitCode)
	if m := strings.TrimSpace(t.Message); m != "" {
		s += ": " + m
	}
	return s
}

// nextRun parses the schedule in force as the CronJob controller does
// (robfig/cron's standard parser, the time zone as a TZ= prefix) and
// returns its next activation after now. The cron library panics on some
// input; a panic is an error here.
func nextRun(schedule string, timeZone *string, now time.Time) (next time.Time, err error) {
	zone := "UTC"
	if timeZone != nil {
		zone = *timeZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("unknown time zone %q: %w", zone, err)
	}
	defer func() {
		if r := recover(); r != nil {
			next, err = time.Time{}, fmt.Errorf("cannot parse schedule %q: %v", schedule, r)
		}
	}()
	s, err := cron.ParseStandard("TZ=" + zone + " " + schedule)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot parse schedule %q: %w", schedule, err)
	}
	next = s.Next(now)
	if next.IsZero() {
		return time.Time{}, fmt.Errorf("schedule %q never fires", schedule)
	}
	return next.In(loc), nil
}

// write prints the report for a person, times relative to now.
func (r *statusReport) write(out io.Writer, now time.Time) {
	fj := r.fj
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintf(w, "FittingJob:\t%s/%s\n", fj.Namespace, fj.Name)
	if fj.Status.ObservedGeneration < fj.Generation {
		fmt.Fprintf(w, "Warning:\tthe controller has not yet synced the latest spec (generation %d, status of %d)\n", fj.Generation, fj.Status.ObservedGeneration)
	}
	for _, t := range []string{ihpav1beta2.ConditionReady, ihpav1beta2.ConditionForecastFresh} {
		c := apimeta.FindStatusCondition(fj.Status.Conditions, t)
		if c == nil {
			fmt.Fprintf(w, "%s:\t<not reported yet>\n", t)
			continue
		}
		fmt.Fprintf(w, "%s:\t%s (%s)%s\n", t, c.Status, c.Reason, since(&c.LastTransitionTime, now))
		if c.Message != "" {
			fmt.Fprintf(w, "\t%s\n", c.Message)
		}
	}
	zone := "UTC (no timeZone: the kube-controller-manager's local time, usually UTC)"
	if fj.Spec.TimeZone != nil {
		zone = *fj.Spec.TimeZone
	}
	switch schedule := fj.Status.Schedule; {
	case schedule == "":
		fmt.Fprintf(w, "Schedule:\t<none yet: the controller has not reported it>\n")
	default:
		fmt.Fprintf(w, "Schedule:\t%s\n", schedule)
		fmt.Fprintf(w, "Time zone:\t%s\n", zone)
		if fj.Spec.Suspend != nil && *fj.Spec.Suspend {
			fmt.Fprintf(w, "Next run:\tnone: suspended (kubectl fittingjob resume %s)\n", fj.Name)
		} else if next, err := nextRun(schedule, fj.Spec.TimeZone, now); err != nil {
			fmt.Fprintf(w, "Next run:\tunknown: %v\n", err)
		} else {
			fmt.Fprintf(w, "Next run:\t%s (in %s)\n", next.Format(time.RFC3339), duration.HumanDuration(next.Sub(now)))
		}
	}
	fmt.Fprintf(w, "Last schedule:\t%s\n", timeAndAge(fj.Status.LastScheduleTime, now))
	fmt.Fprintf(w, "Last success:\t%s\n", timeAndAge(fj.Status.LastSuccessfulTime, now))
	if lr := fj.Status.LastRun; lr == nil {
		fmt.Fprintf(w, "Last run:\t<none>\n")
	} else {
		fmt.Fprintf(w, "Last run:\tjob.batch/%s: %s\n", lr.JobName, lr.Outcome)
		fmt.Fprintf(w, "  Started:\t%s\n", timeAndAge(lr.StartTime, now))
		if lr.CompletionTime != nil {
			fmt.Fprintf(w, "  Finished:\t%s\n", timeAndAge(lr.CompletionTime, now))
		}
		if lr.Reason != "" {
			fmt.Fprintf(w, "  Reason:\t%s\n", lr.Reason)
		}
		if lr.Message != "" {
			fmt.Fprintf(w, "  Message:\t%s\n", lr.Message)
		}
	}
	_ = w.Flush()

	if len(r.jobs) == 0 {
		fmt.Fprintf(out, "Recent Jobs: none (label %s=%s)\n", ihpav1beta2.FittingJobNameLabel, fj.Name)
		return
	}
	fmt.Fprintf(out, "Recent Jobs (newest first):\n")
	w = tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintf(w, "  NAME\tOUTCOME\tDETAIL\tAGE\n")
	for i := range r.jobs {
		j := &r.jobs[i]
		outcome, detail := jobOutcome(j)
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", j.Name, outcome, cmp.Or(detail, "-"), duration.HumanDuration(now.Sub(j.CreationTimestamp.Time)))
	}
	_ = w.Flush()
	if r.inspected == nil {
		return
	}
	switch {
	case r.podErr != nil:
		fmt.Fprintf(out, "Pod of job.batch/%s: cannot list Pods: %v\n", r.inspected.Name, r.podErr)
	case r.pod == nil && generator.WaitsForKueue(r.inspected):
		fmt.Fprintf(out, "Pod of job.batch/%s: none yet: the Job waits for Kueue to admit it (kubectl get workloads -n %s)\n", r.inspected.Name, r.inspected.Namespace)
	case r.pod == nil:
		fmt.Fprintf(out, "Pod of job.batch/%s: none (kubectl describe job %s -n %s)\n", r.inspected.Name, r.inspected.Name, r.inspected.Namespace)
	default:
		fmt.Fprintf(out, "Pod of job.batch/%s: %s: container %s %s\n", r.inspected.Name, r.pod.Name, generator.ContainerName, podState(r.pod))
	}
}

// since is " for AGE" since t, or nothing for a zero time.
func since(t *metav1.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return " for " + duration.HumanDuration(now.Sub(t.Time))
}

// timeAndAge is "TIME (AGE ago)", or <none>.
func timeAndAge(t *metav1.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "<none>"
	}
	return fmt.Sprintf("%s (%s ago)", t.UTC().Format(time.RFC3339), duration.HumanDuration(now.Sub(t.Time)))
}

// list is the report as a v1 List: the FittingJob, its Jobs and the Pod
// inspected, with their kinds set (typed clients leave them empty).
func (r *statusReport) list() runtime.Object {
	var items []unstructured.Unstructured
	add := func(obj runtime.Object, apiVersion, kind string) {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			// The types are the API's: they convert.
			panic(err)
		}
		item := unstructured.Unstructured{Object: u}
		item.SetAPIVersion(apiVersion)
		item.SetKind(kind)
		items = append(items, item)
	}
	add(r.fj, ihpav1beta2.SchemeGroupVersion.String(), "FittingJob")
	for i := range r.jobs {
		add(&r.jobs[i], batchv1.SchemeGroupVersion.String(), "Job")
	}
	if r.pod != nil {
		add(r.pod, corev1.SchemeGroupVersion.String(), "Pod")
	}
	return &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List"}, Items: items}
}
