package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation/field"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

const renderHelp = `Usage: kubectl fittingjob render -f FILE [-n NAMESPACE]

Print, as a YAML stream, the ConfigMap and the CronJob that the controller's
generator produces for each FittingJob in FILE. No cluster is contacted.

FILE is a file, a directory (its .yaml, .yml and .json files), or "-" for
standard input. It may hold several YAML or JSON documents and Lists;
documents of other kinds (the Secret or RBAC of a sample bundle) are ignored,
and it is an error when none is a FittingJob.

Each FittingJob first gets the defaults the CRD gives it (seasonality auto,
executeOn 4, concurrencyPolicy Forbid, and the change-point parameters when
changePointDetectionConfig is present) and is validated as the controller
validates it: errors name the fields, nothing is printed, and the exit
status is 1. Unknown fields are errors too, as with kubectl apply. Advice
(no dataConfigMap, inline Datadog keys) goes to stderr as "Warning: ...".

The output shows what the generator produces, not the live objects: the
controller also annotates the CronJob with ihpa.ake.cyberagent.co.jp/spec-hash,
and the API server adds defaults and a status. A FittingJob read from a file
has no UID, so the owner references carry uid: "": compare the output, do
not apply it (apply the FittingJob and let the controller create them).

Flags:
  -f, --filename FILE     the FittingJobs to render (required)
  -n, --namespace NAME    namespace of the FittingJobs that name none
                          (default "default"); a FittingJob naming another
                          namespace is an error, as with kubectl apply
`

func renderCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("render")
	var filename, namespace string
	fs.StringVar(&filename, "f", "", "")
	fs.StringVar(&filename, "filename", "", "")
	fs.StringVar(&namespace, "n", "", "")
	fs.StringVar(&namespace, "namespace", "", "")
	positional, err := parseFlags(fs, renderHelp, args, stdout, stderr)
	switch {
	case err != nil:
		return err
	case len(positional) > 0:
		return usageError(stderr, fs.Name(), "render takes no arguments, got %q", positional)
	case filename == "":
		return usageError(stderr, fs.Name(), "-f FILE is required")
	}

	in, err := openInput(filename, stdin)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := render(in, namespace, stdout, stderr); err != nil {
		if filename != "-" {
			return fmt.Errorf("%s: %w", filename, err)
		}
		return err
	}
	return nil
}

// render writes, for each FittingJob in "in", its ConfigMap and CronJob to
// stdout as a YAML stream, and its warnings to stderr. namespace is the
// -n flag, empty when not given. When any FittingJob is invalid, render
// writes nothing to stdout, so that a pipeline never sees half a bundle,
// and returns an error naming every invalid field.
func render(in io.Reader, namespace string, stdout, stderr io.Writer) error {
	fjs, err := readFittingJobs(in)
	if err != nil {
		return err
	}
	if len(fjs) == 0 {
		return errors.New("no FittingJob in the input (documents of other kinds are ignored)")
	}

	var out bytes.Buffer
	var invalid []error
	for _, fj := range fjs {
		if err := setNamespace(fj, namespace); err != nil {
			return err
		}
		applyDefaults(fj)
		if errs := generator.Validate(fj); len(errs) > 0 {
			invalid = append(invalid, invalidError(fj, errs))
			continue
		}
		for _, w := range generator.Warnings(fj) {
			fmt.Fprintf(stderr, "Warning: FittingJob %s/%s: %s\n", fj.Namespace, fj.Name, w)
		}
		cm, err := generator.ConfigMap(fj)
		if err != nil {
			return err
		}
		// The generator leaves TypeMeta empty, as a typed client would;
		// a manifest needs it.
		cm.TypeMeta.APIVersion, cm.TypeMeta.Kind = corev1.SchemeGroupVersion.String(), "ConfigMap"
		cj := generator.CronJob(fj)
		cj.TypeMeta.APIVersion, cj.TypeMeta.Kind = batchv1.SchemeGroupVersion.String(), "CronJob"
		for _, obj := range []runtime.Object{cm, cj} {
			if err := writeYAML(&out, obj); err != nil {
				return err
			}
		}
	}
	if len(invalid) > 0 {
		return errors.Join(invalid...)
	}
	_, err = out.WriteTo(stdout)
	return err
}

// setNamespace gives fj the namespace kubectl apply would: its own, else
// the -n flag, else "default"; and, like kubectl apply, it refuses a
// FittingJob whose namespace differs from the one given with -n.
func setNamespace(fj *ihpav1beta2.FittingJob, namespace string) error {
	switch {
	case fj.Namespace == "" && namespace == "":
		fj.Namespace = "default"
	case fj.Namespace == "":
		fj.Namespace = namespace
	case namespace != "" && fj.Namespace != namespace:
		return fmt.Errorf("the namespace of FittingJob %s, %q, does not match the namespace %q given with -n", fj.Name, fj.Namespace, namespace)
	}
	return nil
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

// yamlSerializer is apimachinery's own YAML encoder (JSON tags, then
// YAML), so that render needs no YAML library of its own.
var yamlSerializer = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, nil, nil, kjson.SerializerOptions{Yaml: true})

// writeYAML appends obj to a YAML stream, "---" before all but the first
// document. The status is dropped: a generated object has none, and an
// empty "status: {}" would only suggest it does.
func writeYAML(out *bytes.Buffer, obj runtime.Object) error {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	delete(content, "status")
	if out.Len() > 0 {
		out.WriteString("---\n")
	}
	return yamlSerializer.Encode(&unstructured.Unstructured{Object: content}, out)
}

// openInput opens -f: "-" is stdin, a directory is the concatenation of
// its manifests in name order (as kubectl -f DIR without -R).
func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	info, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return os.Open(name)
	}
	entries, err := os.ReadDir(name)
	if err != nil {
		return nil, err
	}
	var docs bytes.Buffer
	for _, e := range entries {
		if e.IsDir() || !slices.Contains([]string{".yaml", ".yml", ".json"}, filepath.Ext(e.Name())) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(name, e.Name()))
		if err != nil {
			return nil, err
		}
		// A YAML document separator between files; JSON is YAML, so JSON
		// files read as YAML documents too.
		docs.WriteString("---\n")
		docs.Write(data)
		docs.WriteString("\n")
	}
	return io.NopCloser(&docs), nil
}
