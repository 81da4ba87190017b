// Package fuzzer builds FittingJobs from arbitrary bytes, for the
// generator's fuzz target and for the integration test that sends them,
// and what the generator makes of them, to a real API server (dry-run).
// FittingJob builds only FittingJobs the CRD admits; Case also builds
// hostile ones and says what admission should make of each. The bytes
// choose which.
package fuzzer

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// Seeds are the seed corpus, shared by the fuzz target and the dry-run
// test: an empty input, a few short ones and some longer ones.
func Seeds() [][]byte {
	seeds := [][]byte{{}, {0}, {1, 2, 3}, []byte("fittingjob"), []byte("\xff\xfe\xfd\xfc\xfb\xfa")}
	for i := range 16 {
		seed := make([]byte, 96)
		for j := range seed {
			seed[j] = byte(i*37 + j*11 + i*j)
		}
		seeds = append(seeds, seed)
	}
	return seeds
}

// FittingJob builds a FittingJob that the CRD admits, in namespace, from
// data.
func FittingJob(namespace string, data []byte) *ihpav1beta2.FittingJob {
	return admissible(namespace, &consumer{data: data})
}

func admissible(namespace string, c *consumer) *ihpav1beta2.FittingJob {
	fj := &ihpav1beta2.FittingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: c.dnsLabel(1, 52), UID: "fuzz-uid", Generation: 1},
	}
	spec := &fj.Spec
	spec.Metric.Name = c.pick("cpu", "nginx.net.request_per_s", "avg:latency", "http_requests_total", "sum:x.y", "summary:z")
	if c.bool() {
		spec.Metric.Selector = &metav1.LabelSelector{MatchLabels: c.labels()}
	}
	switch c.intn(3) {
	case 0:
		spec.Provider.Prometheus = &ihpav1beta2.PrometheusProvider{URL: "http://prometheus-" + c.dnsLabel(1, 10) + ":9090"}
	case 1:
		spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{APIKey: c.text(32), AppKey: c.text(32)}
		if spec.Provider.Datadog.APIKey == "" || spec.Provider.Datadog.AppKey == "" {
			spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{APIKey: "a", AppKey: "b"}
		}
	default:
		spec.Provider.Datadog = &ihpav1beta2.DatadogProvider{KeysFrom: []corev1.EnvFromSource{{
			SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: c.dnsLabel(1, 20)}},
		}}}
	}
	spec.Provider.Name = c.pick("", "datadog", "prometheus")
	spec.Seasonality = ihpav1beta2.Seasonality(c.pick("daily", "weekly", "yearly", "auto"))
	if c.bool() {
		spec.ExecuteOn = ptr(int32(c.intn(24)))
	}
	if c.bool() {
		spec.ChangePointDetectionConfig = c.changePointDetection()
	}
	spec.CustomConfig = c.text(64)
	if c.bool() {
		spec.DataConfigMap = &corev1.LocalObjectReference{Name: c.dnsLabel(1, 40)}
	}
	c.schedule(spec)
	c.jobPatch(&spec.JobPatchSpec)
	return fj
}

func (c *consumer) changePointDetection() *ihpav1beta2.ChangePointDetectionConfig {
	cpd := &ihpav1beta2.ChangePointDetectionConfig{}
	if c.bool() {
		cpd.PercentageThreshold = ptr(int32(1 + c.intn(99)))
	}
	for _, field := range []**int32{&cpd.WindowSize, &cpd.TrajectoryRows, &cpd.TrajectoryFeatures, &cpd.TestRows, &cpd.TestFeatures, &cpd.Lag} {
		if c.bool() {
			*field = ptr(int32(1 + c.intn(500)))
		}
	}
	return cpd
}

func (c *consumer) schedule(spec *ihpav1beta2.FittingJobSpec) {
	switch c.intn(3) {
	case 1:
		spec.Schedule = fmt.Sprintf("%d %d * * %d", c.intn(60), c.intn(24), c.intn(7))
	case 2:
		spec.Schedule = c.pick("@daily", "@weekly", "@hourly", "*/15 * * * *")
	}
	if c.bool() {
		spec.TimeZone = ptr(c.pick("UTC", "Asia/Tokyo", "Europe/Berlin", "America/New_York"))
	}
	if c.bool() {
		spec.Suspend = ptr(c.bool())
	}
	if c.bool() {
		spec.QueueName = c.dnsLabel(1, 63)
	}
	spec.ConcurrencyPolicy = batchv1.ConcurrencyPolicy(c.pick("", "Allow", "Forbid", "Replace"))
	if c.bool() {
		spec.StartingDeadlineSeconds = ptr(int64(c.intn(3600)))
	}
	if c.bool() {
		spec.SuccessfulJobsHistoryLimit = ptr(int32(c.intn(10)))
		spec.FailedJobsHistoryLimit = ptr(int32(c.intn(10)))
	}
}

func (c *consumer) jobPatch(p *ihpav1beta2.JobPatchSpec) {
	if c.bool() {
		p.ActiveDeadlineSeconds = ptr(int64(1 + c.intn(86400)))
	}
	if c.bool() {
		p.BackoffLimit = ptr(int32(c.intn(10)))
	}
	if c.bool() {
		p.Completions = ptr(int32(1 + c.intn(3)))
	}
	p.Image = c.pick("", "fitting:v1", "registry.example.com/team/fitting:2026.11", "cyberagentoss/intelligent-hpa-fittingjob:latest")
	p.ImagePullPolicy = corev1.PullPolicy(c.pick("", "Always", "IfNotPresent", "Never"))
	if c.bool() {
		p.ServiceAccountName = c.dnsLabel(1, 30)
	}
	if c.bool() {
		p.NodeSelector = c.labels()
	}
	if c.bool() {
		p.Tolerations = []corev1.Toleration{{Key: c.dnsLabel(1, 20), Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	}
	if c.bool() {
		p.ImagePullSecrets = []corev1.LocalObjectReference{{Name: c.dnsLabel(1, 20)}}
	}
	if c.bool() {
		p.Command = []string{"python", "-m", "fittingjob"}
		p.Args = []string{c.text(20)}
	}
	for i := range c.intn(3) {
		p.Env = append(p.Env, corev1.EnvVar{Name: fmt.Sprintf("VAR_%d", i), Value: c.text(16)})
	}
	if c.bool() {
		p.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: c.dnsLabel(1, 20)}}}}
	}
	if c.bool() {
		milli := int64(10 + c.intn(2000))
		p.Resources = corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(milli, resource.DecimalSI)},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(2*milli, resource.DecimalSI)},
		}
	}
	used := map[string]bool{}
	for range c.intn(3) {
		name := c.dnsLabel(1, 30)
		if used[name] || name == "fittingjob-config" || name == "fittingjob-configmap" {
			continue
		}
		used[name] = true
		v := corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
		if c.bool() {
			v.VolumeSource = corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: c.dnsLabel(1, 20)}}}
		}
		p.Volumes = append(p.Volumes, v)
	}
	if c.bool() {
		p.PodSecurityContext = &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(c.bool()),
			RunAsUser:      ptr(int64(c.intn(65536))),
			FSGroup:        ptr(int64(c.intn(65536))),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileType(c.pick("RuntimeDefault", "Unconfined"))},
		}
	}
	if c.bool() {
		p.SecurityContext = &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(c.bool()),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}
	}
}

// consumer hands out choices from data, and zeros once it runs out.
type consumer struct {
	data []byte
}

func (c *consumer) byte() byte {
	if len(c.data) == 0 {
		return 0
	}
	b := c.data[0]
	c.data = c.data[1:]
	return b
}

func (c *consumer) intn(n int) int { return (int(c.byte())<<8 | int(c.byte())) % n }

func (c *consumer) bool() bool { return c.byte()&1 == 1 }

func (c *consumer) pick(choices ...string) string { return choices[c.intn(len(choices))] }

// dnsLabel is a DNS-1123 label of min to max characters.
func (c *consumer) dnsLabel(min, max int) string {
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	n := min + c.intn(max-min+1)
	var b strings.Builder
	for i := range n {
		if i > 0 && i < n-1 && c.intn(8) == 0 {
			b.WriteByte('-')
			continue
		}
		b.WriteByte(alnum[c.intn(len(alnum))])
	}
	return b.String()
}

// text is printable text, multi-byte characters and JSON specials
// included, of at most max characters.
func (c *consumer) text(max int) string {
	const chars = `abcXYZ019 _-.:/"\{}<>&é日本`
	runes := []rune(chars)
	n := c.intn(max + 1)
	var b strings.Builder
	for range n {
		b.WriteRune(runes[c.intn(len(runes))])
	}
	return b.String()
}

func (c *consumer) labels() map[string]string {
	labels := map[string]string{}
	for range 1 + c.intn(3) {
		labels[c.dnsLabel(1, 20)] = c.dnsLabel(1, 20)
	}
	return labels
}

func ptr[T any](v T) *T { return &v }
