package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/cli-runtime/pkg/resource"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

const renderLong = `Print the ConfigMap and the CronJob that the controller's generator produces
for each FittingJob in the manifests given with -f or -k. No cluster is
contacted.

-f takes files, directories (their .yaml, .yml and .json files; with -R
their subdirectories too), URLs and "-" for standard input, as kubectl's -f
does; -k takes a kustomization directory. The input may hold several YAML or
JSON documents and Lists; objects of other kinds (the Secret or RBAC of a
sample bundle) are ignored, and it is an error when none is a FittingJob.

Each FittingJob is validated as the controller validates it: errors name the
fields, nothing is printed, and the exit status is 1. Unknown fields are
errors too, as with kubectl apply. Fields the CRD defaults get the same
defaults as on the API server. Advice (no dataConfigMap, inline Datadog keys)
goes to stderr as "Warning: ...".

A FittingJob without a namespace gets the one of -n, else of the current
context, else "default"; with -n, a FittingJob naming another namespace is an
error, as with kubectl apply.

-o yaml (the default) prints a YAML stream, one document per object, ready
for kubectl apply -f -; json, name, jsonpath and the other formats print one
v1 List of all the objects, as kubectl get does for several objects.

The output is exactly what the controller writes, spec-hash annotation
included; the live objects also carry the API server's defaults and a
status. A FittingJob read from a file
has no UID, so the owner references carry uid: "": compare the output, do
not apply it (apply the FittingJob and let the controller create them).`

const renderExample = `  # What the controller makes of a sample bundle
  kubectl fittingjob render -f manifests/samples/prometheus/

  # The same through its kustomization, as JSON
  kubectl fittingjob render -k manifests/samples/prometheus -o json

  # The schedule of every FittingJob in a tree
  kubectl fittingjob render -R -f fittingjobs/ -o jsonpath='{.items[?(@.kind=="CronJob")].spec.schedule}'`

// renderOptions are the command line of render.
type renderOptions struct {
	configFlags *genericclioptions.ConfigFlags
	filenames   resource.FilenameOptions
	printFlags  *genericclioptions.PrintFlags
}

func newRenderCommand(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, started func()) *cobra.Command {
	o := &renderOptions{configFlags: configFlags, printFlags: genericclioptions.NewPrintFlags("")}
	*o.printFlags.OutputFormat = "yaml"
	cmd := &cobra.Command{
		Use:     "render (-f FILENAME | -k DIRECTORY) [-o FORMAT]",
		Short:   "Print the ConfigMap and CronJob a FittingJob yields, offline",
		Long:    renderLong,
		Example: renderExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.filenames.RequireFilenameOrKustomize(); err != nil {
				return err
			}
			printer, err := o.printFlags.ToPrinter()
			if err != nil {
				return err
			}
			started()
			// -n, else the context's namespace, else "default".
			namespace, explicit, err := configFlags.ToRawKubeConfigLoader().Namespace()
			if err != nil {
				return err
			}
			fjs, err := readFittingJobs(o.filenames, streams.In)
			if err != nil {
				return err
			}
			return render(fjs, namespace, explicit, *o.printFlags.OutputFormat, printer, streams.Out, streams.ErrOut)
		},
	}
	cmdFilenameFlags(cmd, &o.filenames, "the manifests holding the FittingJobs to render")
	o.printFlags.AddFlags(cmd)
	return cmd
}

// cmdFilenameFlags adds kubectl's -f, -R and -k.
func cmdFilenameFlags(cmd *cobra.Command, o *resource.FilenameOptions, usage string) {
	cmd.Flags().StringSliceVarP(&o.Filenames, "filename", "f", nil, "Files, directories or URLs of "+usage+`; "-" for standard input.`)
	cmd.Flags().BoolVarP(&o.Recursive, "recursive", "R", false, "Process the directories given with -f recursively.")
	cmd.Flags().StringVarP(&o.Kustomize, "kustomize", "k", "", "A kustomization directory of "+usage+".")
	_ = cmd.MarkFlagDirname("kustomize")
	_ = cmd.MarkFlagFilename("filename", "yaml", "yml", "json")
}

// readFittingJobs returns the FittingJobs in the manifests of o, in order,
// through kubectl's resource.Builder in local mode (no cluster): Lists are
// flattened, other kinds skipped. stdin is what "-" reads.
func readFittingJobs(o resource.FilenameOptions, stdin io.Reader) ([]*ihpav1beta2.FittingJob, error) {
	b := resource.NewLocalBuilder().Unstructured().Flatten().ContinueOnError()
	// The builder reads "-" from os.Stdin; tests give their own.
	var files []string
	for _, f := range o.Filenames {
		if f == "-" {
			b = b.Stream(stdin, "STDIN")
			continue
		}
		files = append(files, f)
	}
	o.Filenames = files
	// Namespaces are checked below, with the FittingJob's name.
	b = b.FilenameParam(false, &o)

	var fjs []*ihpav1beta2.FittingJob
	err := b.Do().Visit(func(info *resource.Info, err error) error {
		if err != nil {
			return err
		}
		u, ok := info.Object.(*unstructured.Unstructured)
		if !ok {
			return nil
		}
		gvk := u.GroupVersionKind()
		switch {
		case gvk == ihpav1beta2.Kind:
		case gvk.GroupKind() == ihpav1beta2.Kind.GroupKind():
			// Skipping it would leave it out of the output without a word.
			return fmt.Errorf("%s: FittingJob %s of apiVersion %q: only %s is known", info.Source, u.GetName(), u.GetAPIVersion(), ihpav1beta2.Kind.GroupVersion())
		default:
			return nil
		}
		fj := &ihpav1beta2.FittingJob{}
		// Unknown fields are refused, as kubectl apply's default
		// --validate=strict makes the API server do: a misspelt field
		// would otherwise be rendered as if it had its default.
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, fj, true); err != nil {
			return fmt.Errorf("%s: FittingJob %q: %w", info.Source, u.GetName(), err)
		}
		fjs = append(fjs, fj)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fjs, nil
}

// render prints, for each FittingJob, its ConfigMap and CronJob with
// printer, and its warnings to stderr. namespace is that of the FittingJobs
// that name none; explicit says it was given with -n, which a FittingJob
// naming another one contradicts. When any FittingJob is invalid, render
// prints nothing to stdout, so that a pipeline never sees half a bundle,
// and returns an error naming every invalid field.
func render(fjs []*ihpav1beta2.FittingJob, namespace string, explicit bool, format string, printer printers.ResourcePrinter, stdout, stderr io.Writer) error {
	if len(fjs) == 0 {
		return errors.New("no FittingJob in the input (objects of other kinds are ignored)")
	}
	var objects []unstructured.Unstructured
	var invalid []error
	for _, fj := range fjs {
		switch {
		case fj.Namespace == "":
			fj.Namespace = namespace
		case explicit && fj.Namespace != namespace:
			return fmt.Errorf("the namespace of FittingJob %s, %q, does not match the namespace %q given with -n", fj.Name, fj.Namespace, namespace)
		}
		children, errs := generator.Desired(fj)
		if len(errs) > 0 {
			invalid = append(invalid, invalidError(fj, errs))
			continue
		}
		for _, w := range generator.Warnings(fj) {
			fmt.Fprintf(stderr, "Warning: FittingJob %s/%s: %s\n", fj.Namespace, fj.Name, w)
		}
		// The generator leaves TypeMeta empty, as a typed client would;
		// a manifest needs it.
		cm, cj := children.ConfigMap, children.CronJob
		cm.TypeMeta.APIVersion, cm.TypeMeta.Kind = corev1.SchemeGroupVersion.String(), "ConfigMap"
		cj.TypeMeta.APIVersion, cj.TypeMeta.Kind = batchv1.SchemeGroupVersion.String(), "CronJob"
		for _, obj := range []runtime.Object{cm, cj} {
			u, err := withoutStatus(obj)
			if err != nil {
				return err
			}
			objects = append(objects, u)
		}
	}
	if len(invalid) > 0 {
		return errors.Join(invalid...)
	}

	var out bytes.Buffer
	if format == "yaml" {
		// A stream of documents, ready for kubectl apply -f -.
		for i := range objects {
			if err := printer.PrintObj(&objects[i], &out); err != nil {
				return err
			}
		}
	} else {
		list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List"}, Items: objects}
		if err := printer.PrintObj(list, &out); err != nil {
			return err
		}
	}
	_, err := out.WriteTo(stdout)
	return err
}

// withoutStatus is obj without its status: a generated object has none,
// and an empty "status: {}" would only suggest it does.
func withoutStatus(obj runtime.Object) (unstructured.Unstructured, error) {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return unstructured.Unstructured{}, err
	}
	delete(content, "status")
	return unstructured.Unstructured{Object: content}, nil
}

// invalidError lists fj's validation errors one per line, in the shape of
// the API server's "is invalid" message.
func invalidError(fj *ihpav1beta2.FittingJob, errs field.ErrorList) error {
	var b strings.Builder
	fmt.Fprintf(&b, "FittingJob %s/%s is invalid:", fj.Namespace, fj.Name)
	for _, err := range errs {
		fmt.Fprintf(&b, "\n* %v", err)
	}
	return errors.New(b.String())
}
