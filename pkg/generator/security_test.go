package generator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/yaml"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

// TestCronJobSecurityContexts: podSecurityContext goes to the Pod,
// securityContext to the fitting container, each as given; unset, neither
// the Pod nor the container has one (not even an empty one, which would
// move the spec hash of every FittingJob). The init container of keysFrom
// keeps its own, whatever the FittingJob says.
func TestCronJobSecurityContexts(t *testing.T) {
	pod := &corev1.PodSecurityContext{RunAsUser: ptrTo[int64](0), FSGroup: ptrTo[int64](3000)}
	container := &corev1.SecurityContext{Privileged: ptrTo(true)}
	for _, tc := range []struct {
		name      string
		pod       *corev1.PodSecurityContext
		container *corev1.SecurityContext
		keysFrom  bool
	}{
		{"neither", nil, nil, false},
		{"the Pod's", pod, nil, false},
		{"the container's", nil, container, false},
		{"both", pod, container, false},
		{"both, with keysFrom", pod, container, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := prometheusFixture()
			if tc.keysFrom {
				testutil.WithDatadogKeysFrom("datadog-keys")(fj)
			}
			fj.Spec.PodSecurityContext, fj.Spec.SecurityContext = tc.pod, tc.container
			spec := desired(t, fj).CronJob.Spec.JobTemplate.Spec.Template.Spec
			if diff := cmp.Diff(tc.pod, spec.SecurityContext); diff != "" {
				t.Errorf("the Pod's securityContext (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.container, spec.Containers[0].SecurityContext); diff != "" {
				t.Errorf("the fitting container's securityContext (-want +got):\n%s", diff)
			}
			for _, c := range spec.InitContainers {
				if diff := cmp.Diff(keysSecurityContext(), c.SecurityContext); diff != "" {
					t.Errorf("the init container's securityContext (-want +got):\n%s", diff)
				}
			}
			data, err := json.Marshal(spec)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(data), `"securityContext"`); n != countSet(tc.pod != nil, tc.container != nil)+len(spec.InitContainers) {
				t.Errorf("the Pod's JSON names securityContext %d times: %s", n, data)
			}
		})
	}
}

func countSet(set ...bool) int {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	return n
}

// TestRestrictedSettingPassesRestricted: with the setting the API's page
// documents (testutil.WithRestrictedSecurityContext, the one of
// manifests/samples/restricted/), the fitting Pod meets the Pod Security
// Standard "restricted", with and without the keysFrom init container;
// without it, only the fitting container falls short, never the init
// container. restrictedViolations is a reading of the standard for the
// fields a FittingJob can set; the API server's own admission is the
// authority, and pkg/integration asks it (TestRestrictedNamespaceRunsFits).
func TestRestrictedSettingPassesRestricted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		options []testutil.Option
		want    []string
	}{
		{"restricted", []testutil.Option{testutil.WithRestrictedSecurityContext()}, nil},
		{"restricted, keysFrom", []testutil.Option{testutil.WithRestrictedSecurityContext(), testutil.WithDatadogKeysFrom("datadog-keys")}, nil},
		{"unset", nil, []string{
			"fittingjob: runAsNonRoot is not true", "fittingjob: allowPrivilegeEscalation is not false",
			"fittingjob: capabilities do not drop ALL", "fittingjob: seccompProfile is not RuntimeDefault or Localhost",
		}},
		{"unset, keysFrom", []testutil.Option{testutil.WithDatadogKeysFrom("datadog-keys")}, []string{
			"fittingjob: runAsNonRoot is not true", "fittingjob: allowPrivilegeEscalation is not false",
			"fittingjob: capabilities do not drop ALL", "fittingjob: seccompProfile is not RuntimeDefault or Localhost",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := testutil.FittingJob("ns", "fj", tc.options...)
			got := restrictedViolations(desired(t, fj).CronJob.Spec.JobTemplate.Spec.Template.Spec)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("violations of restricted (-want +got):\n%s", diff)
			}
		})
	}
}

// restrictedViolations lists what of pod breaks the Pod Security Standard
// "restricted" among what a FittingJob or the generator sets: volume
// types, and for each container, root, privilege escalation,
// capabilities and seccomp, with the Pod's settings as defaults.
func restrictedViolations(pod corev1.PodSpec) []string {
	var violations []string
	for _, v := range pod.Volumes {
		if v.ConfigMap == nil && v.EmptyDir == nil && v.Secret == nil && v.Projected == nil &&
			v.DownwardAPI == nil && v.PersistentVolumeClaim == nil && v.CSI == nil && v.Ephemeral == nil {
			violations = append(violations, "volume "+v.Name+": type not allowed")
		}
	}
	psc := pod.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		sc := c.SecurityContext
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		fail := func(format string, args ...any) {
			violations = append(violations, c.Name+": "+fmt.Sprintf(format, args...))
		}
		if nonRoot := firstSet(sc.RunAsNonRoot, psc.RunAsNonRoot); nonRoot == nil || !*nonRoot {
			fail("runAsNonRoot is not true")
		}
		if (sc.RunAsUser != nil && *sc.RunAsUser == 0) || (psc.RunAsUser != nil && *psc.RunAsUser == 0) {
			fail("runAsUser is 0")
		}
		if sc.Privileged != nil && *sc.Privileged {
			fail("privileged")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			fail("allowPrivilegeEscalation is not false")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			fail("capabilities do not drop ALL")
		}
		if sc.Capabilities != nil && slices.ContainsFunc(sc.Capabilities.Add, func(c corev1.Capability) bool { return c != "NET_BIND_SERVICE" }) {
			fail("capabilities add %v", sc.Capabilities.Add)
		}
		seccomp := sc.SeccompProfile
		if seccomp == nil {
			seccomp = psc.SeccompProfile
		}
		if seccomp == nil || (seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault && seccomp.Type != corev1.SeccompProfileTypeLocalhost) {
			fail("seccompProfile is not RuntimeDefault or Localhost")
		}
	}
	return violations
}

func firstSet[T any](values ...*T) *T {
	for _, v := range values {
		if v != nil {
			return v
		}
	}
	return nil
}

// TestRestrictedSampleHasTheTestedSetting: manifests/samples/restricted/
// carries exactly the setting these tests and pkg/integration check
// (testutil.WithRestrictedSecurityContext), which the API's page
// documents.
func TestRestrictedSampleHasTheTestedSetting(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "manifests", "samples", "restricted", "fittingjob.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sample := &ihpav1beta2.FittingJob{}
	if err := yaml.UnmarshalStrict(raw, sample); err != nil {
		t.Fatal(err)
	}
	want := testutil.FittingJob("ns", "fj", testutil.WithRestrictedSecurityContext())
	if diff := cmp.Diff(want.Spec.PodSecurityContext, sample.Spec.PodSecurityContext); diff != "" {
		t.Errorf("the sample's podSecurityContext (-tested +sample):\n%s", diff)
	}
	if diff := cmp.Diff(want.Spec.SecurityContext, sample.Spec.SecurityContext); diff != "" {
		t.Errorf("the sample's securityContext (-tested +sample):\n%s", diff)
	}
}
