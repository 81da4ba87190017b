package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/cli-runtime/pkg/printers"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

const crdPath = "../../manifests/crd/ihpa.ake.cyberagent.co.jp_fittingjobs.yaml"

// TestRenderAppliesTheCRDDefaults: render has no API server to apply the
// CRD's defaults, and needs none, because the generator falls back to the
// same values for every field the CRD defaults. A FittingJob as stored by
// the API server (every schema default filled in) and the same FittingJob
// as written (none filled in) must render the same objects; a default
// changed in types.go but not in the generator, or the other way round,
// fails here.
func TestRenderAppliesTheCRDDefaults(t *testing.T) {
	defaults := crdDefaults(t)
	if len(defaults) == 0 {
		t.Fatalf("found no defaults in %s", crdPath)
	}
	// A valid FittingJob with every object that holds a default present
	// and empty: the API server defaults a field only inside a present
	// object.
	written := map[string]any{
		"apiVersion": "ihpa.ake.cyberagent.co.jp/v1beta2", "kind": "FittingJob",
		"metadata": map[string]any{"name": "web", "namespace": "team-a"},
		"spec": map[string]any{
			"metric":   map[string]any{"name": "m"},
			"provider": map[string]any{"prometheus": map[string]any{"url": "http://p"}},
		},
	}
	for path := range defaults {
		parent := strings.Split(path, ".")
		parent = parent[:len(parent)-1]
		if _, found, _ := unstructured.NestedFieldNoCopy(written, parent...); !found {
			if err := unstructured.SetNestedMap(written, map[string]any{}, parent...); err != nil {
				t.Fatal(err)
			}
		}
	}
	stored := runtime.DeepCopyJSON(written)
	for path, value := range defaults {
		if err := unstructured.SetNestedField(stored, runtime.DeepCopyJSONValue(value), strings.Split(path, ".")...); err != nil {
			t.Fatal(err)
		}
	}

	renderObject := func(obj map[string]any) string {
		t.Helper()
		fj := &ihpav1beta2.FittingJob{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj, fj, true); err != nil {
			t.Fatal(err)
		}
		var stdout bytes.Buffer
		if err := render([]*ihpav1beta2.FittingJob{fj}, "default", false, "yaml", &printers.YAMLPrinter{}, &stdout, io.Discard); err != nil {
			t.Fatal(err)
		}
		return stdout.String()
	}
	if diff := cmp.Diff(renderObject(stored), renderObject(written)); diff != "" {
		t.Errorf("render differs between the FittingJob with the CRD's defaults and without (-with +without):\n%s", diff)
	}
}

// crdDefaults returns the defaults of the v1beta2 schema under .spec, by
// dotted path from the object's root, not looking into arrays.
func crdDefaults(t *testing.T) map[string]any {
	t.Helper()
	f, err := os.Open(crdPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var crd map[string]any
	if err := utilyaml.NewYAMLOrJSONDecoder(f, 4096).Decode(&crd); err != nil {
		t.Fatal(err)
	}
	versions, _, _ := unstructured.NestedSlice(crd, "spec", "versions")
	for _, v := range versions {
		version, _ := v.(map[string]any)
		if version["name"] != ihpav1beta2.SchemeGroupVersion.Version {
			continue
		}
		spec, found, err := unstructured.NestedMap(version, "schema", "openAPIV3Schema", "properties", "spec")
		if err != nil || !found {
			t.Fatalf("no schema of .spec in %s: %v", crdPath, err)
		}
		defaults := map[string]any{}
		collectDefaults(spec, "spec", defaults)
		return defaults
	}
	t.Fatalf("no version %s in %s", ihpav1beta2.SchemeGroupVersion.Version, crdPath)
	return nil
}

func collectDefaults(schema map[string]any, path string, defaults map[string]any) {
	if d, ok := schema["default"]; ok {
		defaults[path] = d
	}
	properties, _ := schema["properties"].(map[string]any)
	for name, property := range properties {
		if p, ok := property.(map[string]any); ok {
			collectDefaults(p, path+"."+name, defaults)
		}
	}
}
