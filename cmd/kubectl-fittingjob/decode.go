package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	ihpascheme "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned/scheme"
)

var (
	fittingJobGVK = ihpav1beta2.SchemeGroupVersion.WithKind("FittingJob")
	listGVK       = schema.GroupVersionKind{Version: "v1", Kind: "List"}
)

// strictDecoder refuses unknown and duplicate fields, as kubectl apply's
// default --validate=strict makes the API server do: a misspelt field
// would otherwise be rendered as if it had its default.
var strictDecoder = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, ihpascheme.Scheme, ihpascheme.Scheme,
	kjson.SerializerOptions{Strict: true})

// readFittingJobs returns the FittingJobs in a stream of YAML or JSON
// documents, in order. Documents of other kinds are skipped, so that a
// whole sample bundle (Secrets, RBAC, ConfigMaps) can be given as it is;
// a List (what "kubectl get -o yaml" prints for several objects) is read
// item by item.
func readFittingJobs(in io.Reader) ([]*ihpav1beta2.FittingJob, error) {
	var fjs []*ihpav1beta2.FittingJob
	decoder := utilyaml.NewYAMLOrJSONDecoder(in, 4096)
	for doc := 1; ; doc++ {
		var raw json.RawMessage
		if err := decoder.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return fjs, nil
			}
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		found, err := fittingJobsIn(raw)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		fjs = append(fjs, found...)
	}
}

// fittingJobsIn returns the FittingJobs in one document: none, one, or the
// FittingJob items of a List.
func fittingJobsIn(raw []byte) ([]*ihpav1beta2.FittingJob, error) {
	// An empty document (only comments, or "---" twice) is null.
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var typeMeta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &typeMeta); err != nil {
		// Not an object with a string apiVersion and kind, so not a
		// Kubernetes object: nothing to render.
		return nil, nil
	}
	gvk := schema.FromAPIVersionAndKind(typeMeta.APIVersion, typeMeta.Kind)
	switch {
	case gvk == fittingJobGVK:
		fj, err := decodeFittingJob(raw)
		if err != nil {
			return nil, err
		}
		return []*ihpav1beta2.FittingJob{fj}, nil
	case gvk.Kind == fittingJobGVK.Kind:
		// Skipping it would leave it out of the output without a word.
		return nil, fmt.Errorf("FittingJob of apiVersion %q: only %s is known", typeMeta.APIVersion, fittingJobGVK.GroupVersion())
	case gvk == listGVK:
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("List: %w", err)
		}
		var fjs []*ihpav1beta2.FittingJob
		for i, item := range list.Items {
			found, err := fittingJobsIn(item)
			if err != nil {
				return nil, fmt.Errorf("items[%d]: %w", i, err)
			}
			fjs = append(fjs, found...)
		}
		return fjs, nil
	default:
		return nil, nil
	}
}

func decodeFittingJob(raw []byte) (*ihpav1beta2.FittingJob, error) {
	fj := &ihpav1beta2.FittingJob{}
	obj, _, err := strictDecoder.Decode(raw, nil, fj)
	if err != nil {
		name := ""
		if runtime.IsStrictDecodingError(err) && obj != nil {
			name = fmt.Sprintf(" %q", fj.Name)
		}
		return nil, fmt.Errorf("FittingJob%s: %w", name, err)
	}
	return fj, nil
}
