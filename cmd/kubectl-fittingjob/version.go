package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/version"
)

const (
	// controllerLabel selects the controller's Deployment, as manifests/
	// labels it.
	controllerLabel = "app.kubernetes.io/name=fittingjob-controller"
	// controllerNamespace is where manifests/ installs it.
	controllerNamespace = "fittingjob-system"
	// controllerContainer is the Deployment's controller container.
	controllerContainer = "controller"
)

const versionLong = `Print the plugin's version and, when the cluster lets you see it, the
controller's: the image of the Deployments labelled
app.kubernetes.io/name=fittingjob-controller in every namespace you may list
Deployments in, else in fittingjob-system. When none can be read, it says
why ("controller: not visible (...)"); the exit status is 0 all the same.`

func newVersionCommand(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, started func()) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version and the controller's",
		Long:  versionLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			started()
			fmt.Fprintln(streams.Out, version.String("kubectl-fittingjob"))
			_, kube, _, err := connect(configFlags)
			if err != nil {
				fmt.Fprintf(streams.Out, "controller: not visible (%v)\n", err)
				return nil
			}
			controllerVersion(cmd.Context(), kube, streams.Out)
			return nil
		},
	}
}

// controllerVersion prints the image of each controller Deployment it may
// list: cluster-wide, else in fittingjob-system.
func controllerVersion(ctx context.Context, kube kubernetes.Interface, out io.Writer) {
	options := metav1.ListOptions{LabelSelector: controllerLabel}
	list, err := kube.AppsV1().Deployments(metav1.NamespaceAll).List(ctx, options)
	if apierrors.IsForbidden(err) {
		list, err = kube.AppsV1().Deployments(controllerNamespace).List(ctx, options)
	}
	switch {
	case err != nil:
		fmt.Fprintf(out, "controller: not visible (%v)\n", err)
		return
	case len(list.Items) == 0:
		fmt.Fprintf(out, "controller: not visible (no Deployment labelled %s)\n", controllerLabel)
		return
	}
	for i := range list.Items {
		d := &list.Items[i]
		image := deploymentImage(d)
		fmt.Fprintf(out, "controller: %s (deployment.apps/%s in %s, image %s)\n", imageTag(image), d.Name, d.Namespace, image)
	}
}

// deploymentImage is the controller container's image, else the first
// container's.
func deploymentImage(d *appsv1.Deployment) string {
	containers := d.Spec.Template.Spec.Containers
	for _, c := range containers {
		if c.Name == controllerContainer {
			return c.Image
		}
	}
	if len(containers) > 0 {
		return containers[0].Image
	}
	return "<none>"
}

// imageTag is the tag of image (after the digest is cut), or "unknown".
func imageTag(image string) string {
	if at := strings.Index(image, "@"); at >= 0 {
		image = image[:at]
	}
	slash := strings.LastIndex(image, "/")
	if colon := strings.LastIndex(image, ":"); colon > slash {
		return image[colon+1:]
	}
	return "unknown (no tag)"
}
