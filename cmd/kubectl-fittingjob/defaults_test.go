package main

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

const crdPath = "../../manifests/crd/ihpa.ake.cyberagent.co.jp_fittingjobs.yaml"

// TestApplyDefaultsMirrorsCRD checks applyDefaults against the defaults in
// the CRD's schema, both ways: every default the schema gives a field of
// the FittingJob's own is applied, with the schema's value, and
// applyDefaults sets nothing the schema does not default. Defaults inside
// arrays (of embedded Kubernetes types: env, volumes, ...) are out of its
// scope, as applyDefaults says.
func TestApplyDefaultsMirrorsCRD(t *testing.T) {
	defaults := crdDefaults(t)
	if len(defaults) == 0 {
		t.Fatalf("found no defaults in %s", crdPath)
	}

	// A FittingJob with every object that holds a default present and
	// empty: the API server defaults a field only inside a present object.
	empty := map[string]any{}
	for path := range defaults {
		parent := strings.Split(path, ".")
		parent = parent[:len(parent)-1]
		if _, found, _ := unstructured.NestedFieldNoCopy(empty, parent...); !found {
			if err := unstructured.SetNestedMap(empty, map[string]any{}, parent...); err != nil {
				t.Fatal(err)
			}
		}
	}
	fj := &ihpav1beta2.FittingJob{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(empty, fj); err != nil {
		t.Fatal(err)
	}
	before := leaves(t, fj)
	applyDefaults(fj)
	after := leaves(t, fj)

	for path, want := range defaults {
		got, found := after[path]
		if !found {
			// Go cannot tell a zero value from an absent one (omitempty):
			// a default of "" or false is applied by doing nothing.
			if reflect.ValueOf(want).IsZero() {
				continue
			}
			t.Errorf("the CRD defaults %s to %v; applyDefaults leaves it unset", path, want)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the CRD defaults %s to %v; applyDefaults sets %v", path, want, got)
		}
	}
	for path, value := range after {
		if _, was := before[path]; was {
			continue
		}
		if _, isDefault := defaults[path]; !isDefault {
			t.Errorf("applyDefaults sets %s to %v, which the CRD does not default", path, value)
		}
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

// leaves flattens fj's JSON form into dotted paths of its scalar values,
// not looking into arrays (as crdDefaults).
func leaves(t *testing.T, fj *ihpav1beta2.FittingJob) map[string]any {
	t.Helper()
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(fj)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	var walk func(m map[string]any, prefix string)
	walk = func(m map[string]any, prefix string) {
		for k, v := range m {
			switch v := v.(type) {
			case map[string]any:
				walk(v, prefix+k+".")
			case []any:
			default:
				out[prefix+k] = v
			}
		}
	}
	walk(content, "")
	return out
}

// TestApplyDefaultsKeepsWhatIsSet: a default never overrides a value, and
// 0, a valid executeOn, is a value (SPEC.md §7.8).
func TestApplyDefaultsKeepsWhatIsSet(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	set := ihpav1beta2.FittingJobSpec{
		Seasonality:       ihpav1beta2.SeasonalityWeekly,
		ExecuteOn:         i32(0),
		ConcurrencyPolicy: batchv1.ReplaceConcurrent,
		ChangePointDetectionConfig: &ihpav1beta2.ChangePointDetectionConfig{
			PercentageThreshold: i32(10), WindowSize: i32(20), TrajectoryRows: i32(30),
			TrajectoryFeatures: i32(4), TestRows: i32(40), TestFeatures: i32(6), Lag: i32(12),
		},
	}
	fj := &ihpav1beta2.FittingJob{Spec: *set.DeepCopy()}
	applyDefaults(fj)
	if diff := cmp.Diff(set, fj.Spec); diff != "" {
		t.Errorf("applyDefaults changed values that were set (-set +after):\n%s", diff)
	}
}

// TestApplyDefaultsLeavesChangePointDetectionOff: an absent
// changePointDetectionConfig means no change-point detection (SPEC.md §2).
func TestApplyDefaultsLeavesChangePointDetectionOff(t *testing.T) {
	fj := &ihpav1beta2.FittingJob{}
	applyDefaults(fj)
	if fj.Spec.ChangePointDetectionConfig != nil {
		t.Errorf("applyDefaults created changePointDetectionConfig %+v", fj.Spec.ChangePointDetectionConfig)
	}
}
