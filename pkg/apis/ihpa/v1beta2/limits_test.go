package v1beta2

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// TestLimitsMatchTheCRD: the CRD enforces the limits, forms and messages of
// limits.go, which the controller re-checks (pkg/generator). A marker in
// types.go changed without the constant, or the other way round, fails
// here.
func TestLimitsMatchTheCRD(t *testing.T) {
	root := crdSchema(t)
	type rule struct{ contains, message, fieldPath string }
	for _, want := range []struct {
		path      string
		maxLength int64
		rules     []rule
	}{
		{path: "spec.schedule", maxLength: MaxScheduleLength, rules: []rule{
			{contains: "!self.contains('TZ')", message: ScheduleTimeZoneMessage},
			{contains: "'" + ScheduleForm + "'", message: ScheduleFormMessage},
		}},
		{path: "spec.timeZone", maxLength: MaxTimeZoneLength, rules: []rule{
			{contains: "'" + TimeZoneForm + "'", message: TimeZoneFormMessage},
			{contains: "!= 'local'", message: TimeZoneLocalMessage},
		}},
		{path: "spec.activeDeadlineSeconds", rules: []rule{
			{contains: fmt.Sprintf("self <= %d", MaxDurationSeconds), message: ActiveDeadlineSecondsMaxMessage},
		}},
		{path: "spec.startingDeadlineSeconds", rules: []rule{
			{contains: fmt.Sprintf("self <= %d", MaxDurationSeconds), message: StartingDeadlineSecondsMaxMessage},
		}},
		{path: "spec.metric.name", maxLength: MaxMetricNameLength},
		{path: "spec.serviceAccountName", maxLength: MaxDNSSubdomainLength, rules: []rule{
			{contains: "'" + DNSSubdomainForm + "'", message: ServiceAccountNameMessage},
		}},
		{path: "spec.queueName", maxLength: MaxDNSLabelLength, rules: []rule{
			{contains: "'" + DNSLabelForm + "'", message: QueueNameMessage},
		}},
		{path: "spec.dataConfigMap", rules: []rule{
			{contains: fmt.Sprintf("size(self.name) <= %d && self.name.matches('%s')", MaxDNSSubdomainLength, DNSSubdomainForm),
				message: DataConfigMapNameMessage, fieldPath: ".name"},
		}},
		{path: "spec.volumes", rules: []rule{
			{contains: "v.name != 'fittingjob-config')", message: ConfigVolumeMessage},
			{contains: "v.name != 'fittingjob-configmap')", message: ConfigMapVolumeMessage},
		}},
		{path: "", rules: []rule{
			{contains: "self.spec.dataConfigMap.name != self.metadata.name + '-config'",
				message: DataConfigMapOwnMessage, fieldPath: ".spec.dataConfigMap.name"},
		}},
	} {
		t.Run(want.path, func(t *testing.T) {
			schema := root
			if want.path != "" {
				var found bool
				var err error
				fields := strings.Split(want.path, ".")
				props := make([]string, 0, 2*len(fields))
				for _, f := range fields {
					props = append(props, "properties", f)
				}
				schema, found, err = unstructured.NestedMap(root, props...)
				if err != nil || !found {
					t.Fatalf("no schema of %s in %s: %v", want.path, crdPath, err)
				}
			}
			// Decoded JSON numbers are float64, exact for these.
			if got, _ := schema["maxLength"].(float64); got != float64(want.maxLength) {
				t.Errorf("maxLength = %v, want %d", schema["maxLength"], want.maxLength)
			}
			validations, _, _ := unstructured.NestedSlice(schema, "x-kubernetes-validations")
			for _, r := range want.rules {
				if !slices.ContainsFunc(validations, func(v any) bool {
					m, _ := v.(map[string]any)
					rule, _ := m["rule"].(string)
					fieldPath, _ := m["fieldPath"].(string)
					return strings.Contains(rule, r.contains) && m["message"] == r.message && fieldPath == r.fieldPath
				}) {
					t.Errorf("no rule containing %q with message %q and fieldPath %q among %v", r.contains, r.message, r.fieldPath, validations)
				}
			}
		})
	}
}

// crdSchema is the v1beta2 schema of the CRD, from the object's root.
func crdSchema(t *testing.T) map[string]any {
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
		if version["name"] != SchemeGroupVersion.Version {
			continue
		}
		schema, found, err := unstructured.NestedMap(version, "schema", "openAPIV3Schema")
		if err != nil || !found {
			t.Fatalf("no schema in %s: %v", crdPath, err)
		}
		return schema
	}
	t.Fatalf("no version %s in %s", SchemeGroupVersion.Version, crdPath)
	return nil
}
