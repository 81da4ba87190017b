package generator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// minimalFixture sets nothing the generator copies: every default applies.
func minimalFixture() *ihpav1beta2.FittingJob {
	return &ihpav1beta2.FittingJob{
		ObjectMeta: metav1.ObjectMeta{Name: "fj", Namespace: "ns", UID: "uid-1"},
		Spec: ihpav1beta2.FittingJobSpec{
			Metric:   ihpav1beta2.MetricIdentifier{Name: "m"},
			Provider: ihpav1beta2.Provider{Prometheus: &ihpav1beta2.PrometheusProvider{URL: "http://p"}},
		},
	}
}

// childrenFixtures are the FittingJobs whose whole children are pinned in
// testdata/children/. A change to the generator that moves any byte of a
// child of an existing FittingJob rewrites that child in every cluster
// (and, for the CronJob, changes its spec hash): it shows here, as a diff
// of the golden file.
func childrenFixtures(t testing.TB) map[string]*ihpav1beta2.FittingJob {
	return map[string]*ihpav1beta2.FittingJob{
		"compatibility-fixture": compatibilityFixture(t),
		"prometheus":            prometheusFixture(),
		"minimal":               minimalFixture(),
		"rich-keysfrom":         richFixture(),
		"restricted": testutil.FittingJob("team-r", "ihpa-worker-queue-length",
			testutil.WithRestrictedSecurityContext()),
		"restricted-keysfrom": testutil.FittingJob("team-r", "ihpa-worker-queue-length",
			testutil.WithRestrictedSecurityContext(), testutil.WithDatadogKeysFrom("datadog-keys")),
	}
}

// TestChildrenGolden pins both children, exactly as the controller sends
// them (their JSON encoding), for each of childrenFixtures. `go test
// ./pkg/generator -run TestChildrenGolden -update` rewrites the golden
// files after a deliberate change; review the diff.
func TestChildrenGolden(t *testing.T) {
	for name, fj := range childrenFixtures(t) {
		t.Run(name, func(t *testing.T) {
			children := desired(t, fj)
			got, err := json.MarshalIndent(struct {
				ConfigMap *corev1.ConfigMap `json:"configMap"`
				CronJob   *batchv1.CronJob  `json:"cronJob"`
			}{children.ConfigMap, children.CronJob}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "children", name+".golden.json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("the children differ from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}
