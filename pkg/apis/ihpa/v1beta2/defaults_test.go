package v1beta2

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

const crdPath = "../../../../manifests/crd/ihpa.ake.cyberagent.co.jp_fittingjobs.yaml"

// TestDefaultsMatchTheCRD: SetDefaults_FittingJob does what the API server
// does with the generated CRD's schema, no more and no less. A FittingJob
// with every defaulted field empty is defaulted both ways: by copying the
// schema's defaults in, as the API server does, and by the function. A
// default added to a marker in types.go but not to the function, or the
// other way round, fails here.
func TestDefaultsMatchTheCRD(t *testing.T) {
	defaults := crdDefaults(t)
	for _, path := range []string{"spec.seasonality", "spec.executeOn", "spec.image", "spec.concurrencyPolicy", "spec.changePointDetectionConfig.lag"} {
		if _, ok := defaults[path]; !ok {
			t.Fatalf("test setup: no default of %s in %s (found %v)", path, crdPath, defaults)
		}
	}
	// The API server defaults a field only inside a present object: make
	// every parent of a default present, and empty.
	written := map[string]any{"spec": map[string]any{}}
	for path := range defaults {
		parent := strings.Split(path, ".")
		parent = parent[:len(parent)-1]
		if _, found, _ := unstructured.NestedFieldNoCopy(written, parent...); !found {
			if err := unstructured.SetNestedMap(written, map[string]any{}, parent...); err != nil {
				t.Fatal(err)
			}
		}
	}
	byServer := runtime.DeepCopyJSON(written)
	for path, value := range defaults {
		if err := unstructured.SetNestedField(byServer, runtime.DeepCopyJSONValue(value), strings.Split(path, ".")...); err != nil {
			t.Fatal(err)
		}
	}

	want, got := &FittingJob{}, &FittingJob{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(byServer, want, true); err != nil {
		t.Fatal(err)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(written, got, true); err != nil {
		t.Fatal(err)
	}
	SetDefaults_FittingJob(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SetDefaults_FittingJob differs from the CRD's defaults (-CRD +function):\n%s", diff)
	}
}

// TestSetDefaultsKeepsWhatIsSet: a default never overrides a value.
func TestSetDefaultsKeepsWhatIsSet(t *testing.T) {
	hour, lag := int32(0), int32(1)
	fj := &FittingJob{Spec: FittingJobSpec{
		JobPatchSpec:               JobPatchSpec{Image: "example.com/fit:v2"},
		Seasonality:                SeasonalityDaily,
		ExecuteOn:                  &hour,
		ConcurrencyPolicy:          "Allow",
		ChangePointDetectionConfig: &ChangePointDetectionConfig{Lag: &lag},
	}}
	want := fj.DeepCopy()
	SetDefaults_FittingJob(fj)
	want.Spec.ChangePointDetectionConfig = fj.Spec.ChangePointDetectionConfig.DeepCopy()
	want.Spec.ChangePointDetectionConfig.Lag = &lag
	if diff := cmp.Diff(want, fj); diff != "" {
		t.Errorf("SetDefaults_FittingJob changed a value that was set (-want +got):\n%s", diff)
	}
	if *fj.Spec.ChangePointDetectionConfig.WindowSize != DefaultWindowSize {
		t.Errorf("windowSize = %d, want the default %d", *fj.Spec.ChangePointDetectionConfig.WindowSize, DefaultWindowSize)
	}
}

// crdDefaults returns the defaults of the v1beta2 schema under .spec, by
// dotted path from the object's root, not looking into arrays.
func crdDefaults(t *testing.T) map[string]any {
	t.Helper()
	spec, found, err := unstructured.NestedMap(crdSchema(t), "properties", "spec")
	if err != nil || !found {
		t.Fatalf("no schema of .spec in %s: %v", crdPath, err)
	}
	defaults := map[string]any{}
	collectDefaults(spec, "spec", defaults)
	return defaults
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
