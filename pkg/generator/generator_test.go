package generator

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/yaml"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

// compatibilityFixture is the original project's sample (README.md, "The
// compatibility fixture"), read verbatim from testdata, as `kubectl apply`
// would create it in the default namespace. Decoding rejects unknown
// fields, so a renamed JSON tag fails here.
func compatibilityFixture(t testing.TB) *ihpav1beta2.FittingJob {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "compatibility-fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := yaml.ToJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	fj := &ihpav1beta2.FittingJob{}
	if err := dec.Decode(fj); err != nil {
		t.Fatalf("the compatibility fixture does not decode into the API types: %v", err)
	}
	fj.Namespace = "default"
	fj.UID = "0b4b8d0c-7c1e-4f7a-9d55-2f8e3c1a6b01"
	return fj
}

// prometheusFixture is a FittingJob as the IHPA controller creates it for
// a Prometheus metric, without change-point detection.
func prometheusFixture() *ihpav1beta2.FittingJob {
	return &ihpav1beta2.FittingJob{
		ObjectMeta: metav1.ObjectMeta{
			Name:      "ihpa-api-http-requests-per-second",
			Namespace: "shop",
			UID:       "5d2a6f7e-1b3c-4d8e-9f0a-b1c2d3e4f5a6",
		},
		Spec: ihpav1beta2.FittingJobSpec{
			JobPatchSpec:  ihpav1beta2.JobPatchSpec{ServiceAccountName: "ihpa-api"},
			DataConfigMap: &corev1.LocalObjectReference{Name: "ihpa-api-http-requests-per-second"},
			Metric: ihpav1beta2.MetricIdentifier{
				Name: "http_requests_per_second",
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{
					"service":   "api",
					"namespace": "shop",
				}},
			},
			Provider: ihpav1beta2.Provider{
				Name:       "prometheus",
				Prometheus: &ihpav1beta2.PrometheusProvider{URL: "http://prometheus.monitoring.svc:9090"},
			},
		},
	}
}

// richFixture sets every field the generator copies, with every pointer,
// slice and map non-nil, so that aliasing anywhere would be caught.
func richFixture() *ihpav1beta2.FittingJob {
	return &ihpav1beta2.FittingJob{
		ObjectMeta: metav1.ObjectMeta{
			Name:      "ihpa-web-cpu",
			Namespace: "team-a",
			UID:       "9f1c2b3a-4d5e-6f70-8192-a3b4c5d6e7f8",
			Labels:    map[string]string{"team": "a"},
		},
		Spec: ihpav1beta2.FittingJobSpec{
			JobPatchSpec: ihpav1beta2.JobPatchSpec{
				ActiveDeadlineSeconds: ptrTo[int64](3600),
				BackoffLimit:          ptrTo[int32](2),
				Completions:           ptrTo[int32](1),
				Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
						NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
							Key: "pool", Operator: corev1.NodeSelectorOpIn, Values: []string{"batch"},
						}}}},
					},
				}},
				ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "pull-secret"}},
				NodeSelector:       map[string]string{"kubernetes.io/os": "linux"},
				ServiceAccountName: "ihpa-web",
				Tolerations: []corev1.Toleration{{
					Key: "batch", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute,
					TolerationSeconds: ptrTo[int64](60),
				}},
				Volumes: []corev1.Volume{
					{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
						SizeLimit: ptrTo(resource.MustParse("1Gi")),
					}}},
					{Name: "certs", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
						SecretName: "ca", DefaultMode: ptrTo[int32](0o400),
						Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
					}}},
				},
				Args:    []string{"--verbose"},
				Command: []string{"python", "train.py"},
				Env: []corev1.EnvVar{
					{Name: "TZ", Value: "Asia/Tokyo"},
					{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
				},
				EnvFrom: []corev1.EnvFromSource{{
					ConfigMapRef: &corev1.ConfigMapEnvSource{
						LocalObjectReference: corev1.LocalObjectReference{Name: "common-env"},
						Optional:             ptrTo(true),
					},
				}},
				ImagePullPolicy: corev1.PullIfNotPresent,
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
				},
				PodSecurityContext: &corev1.PodSecurityContext{
					RunAsUser:      ptrTo[int64](1000),
					RunAsNonRoot:   ptrTo(true),
					FSGroup:        ptrTo[int64](2000),
					Sysctls:        []corev1.Sysctl{{Name: "net.ipv4.ip_local_port_range", Value: "1024 65535"}},
					SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptrTo("profiles/fit.json")},
				},
				SecurityContext: &corev1.SecurityContext{
					Capabilities:             &corev1.Capabilities{Add: []corev1.Capability{"NET_BIND_SERVICE"}, Drop: []corev1.Capability{"ALL"}},
					ReadOnlyRootFilesystem:   ptrTo(true),
					AllowPrivilegeEscalation: ptrTo(false),
				},
			},
			Seasonality:                ihpav1beta2.SeasonalityWeekly,
			ExecuteOn:                  ptrTo[int32](0),
			ChangePointDetectionConfig: &ihpav1beta2.ChangePointDetectionConfig{Lag: ptrTo[int32](144)},
			DataConfigMap:              &corev1.LocalObjectReference{Name: "ihpa-web-cpu"},
			Metric: ihpav1beta2.MetricIdentifier{
				Name:     "kubernetes.cpu.usage.total",
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"kube_deployment": "web"}},
			},
			Provider: ihpav1beta2.Provider{
				Name: "datadog",
				Datadog: &ihpav1beta2.DatadogProvider{KeysFrom: []corev1.EnvFromSource{{
					Prefix:    "DD_",
					SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "datadog-keys"}},
				}}},
			},
			Schedule:                   "30 2 * * 1",
			TimeZone:                   ptrTo("Asia/Tokyo"),
			Suspend:                    ptrTo(true),
			ConcurrencyPolicy:          batchv1.ReplaceConcurrent,
			StartingDeadlineSeconds:    ptrTo[int64](300),
			SuccessfulJobsHistoryLimit: ptrTo[int32](1),
			FailedJobsHistoryLimit:     ptrTo[int32](5),
		},
	}
}

func TestOwnerReference(t *testing.T) {
	fj := richFixture()
	want := metav1.OwnerReference{
		APIVersion:         "ihpa.ake.cyberagent.co.jp/v1beta2",
		Kind:               "FittingJob",
		Name:               "ihpa-web-cpu",
		UID:                "9f1c2b3a-4d5e-6f70-8192-a3b4c5d6e7f8",
		Controller:         ptrTo(true),
		BlockOwnerDeletion: ptrTo(true),
	}
	if diff := cmp.Diff(want, OwnerReference(fj)); diff != "" {
		t.Errorf("OwnerReference (-want +got):\n%s", diff)
	}
}

// TestChildrenMetadata pins what both children share: name, namespace, the
// managed-by label (and nothing else), no annotation but the CronJob's spec
// hash, and exactly one owner reference, the
// controller reference, built from the known kind even though a typed
// client leaves TypeMeta empty.
func TestChildrenMetadata(t *testing.T) {
	fj := richFixture()
	fj.TypeMeta = metav1.TypeMeta{} // as a typed client returns it
	cm := desired(t, fj).ConfigMap
	cj := desired(t, fj).CronJob
	for _, tc := range []struct {
		name        string
		got         metav1.ObjectMeta
		want        string
		annotations map[string]string
	}{
		{"ConfigMap", cm.ObjectMeta, "ihpa-web-cpu-config", nil},
		{"CronJob", cj.ObjectMeta, "ihpa-web-cpu", map[string]string{ihpav1beta2.SpecHashAnnotation: specHash(&cj.Spec)}},
	} {
		want := metav1.ObjectMeta{
			Name:            tc.want,
			Namespace:       "team-a",
			Labels:          map[string]string{"app.kubernetes.io/managed-by": "fittingjob-controller"},
			Annotations:     tc.annotations,
			OwnerReferences: []metav1.OwnerReference{OwnerReference(fj)},
		}
		if diff := cmp.Diff(want, tc.got); diff != "" {
			t.Errorf("%s metadata (-want +got):\n%s", tc.name, diff)
		}
	}
	if got := ConfigMapName(fj); got != cm.Name {
		t.Errorf("ConfigMapName = %q, the ConfigMap is named %q", got, cm.Name)
	}
	if got := CronJobName(fj); got != cj.Name {
		t.Errorf("CronJobName = %q, the CronJob is named %q", got, cj.Name)
	}
}

// TestGeneratorDoesNotMutateOrAliasInput generates from a FittingJob as an
// informer cache would hand it out, then scribbles over every field of the
// outputs: the FittingJob must be unchanged after both steps.
func TestGeneratorDoesNotMutateOrAliasInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		fj   *ihpav1beta2.FittingJob
	}{
		{"rich datadog", richFixture()},
		{"prometheus", prometheusFixture()},
		{"compatibility fixture", compatibilityFixture(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.fj.DeepCopy()
			cm := desired(t, tc.fj).ConfigMap
			cj := desired(t, tc.fj).CronJob
			validationErrors(tc.fj)
			Warnings(tc.fj)
			Schedule(tc.fj)
			if diff := cmp.Diff(before, tc.fj); diff != "" {
				t.Fatalf("generating mutated the FittingJob (-before +after):\n%s", diff)
			}

			scribble(reflect.ValueOf(cm))
			scribble(reflect.ValueOf(cj))
			if diff := cmp.Diff(before, tc.fj); diff != "" {
				t.Errorf("the generated objects share memory with the FittingJob (-before +after):\n%s", diff)
			}
		})
	}
}

// scribble changes every settable value reachable from v: strings, numbers
// and booleans in place, map entries, and it adds a key to every map. Any
// memory the generated objects share with their input changes with it.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scribble(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			scribble(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			elem := reflect.New(v.Type().Elem()).Elem()
			elem.Set(v.MapIndex(k))
			scribble(elem)
			v.SetMapIndex(k, elem)
		}
		if v.Type().Key().Kind() == reflect.String {
			v.SetMapIndex(reflect.ValueOf("scribbled").Convert(v.Type().Key()), reflect.Zero(v.Type().Elem()))
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + "-scribbled")
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(v.Int() + 1)
		}
	}
}
