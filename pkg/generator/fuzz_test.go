package generator

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator/fuzzer"
)

// FuzzGenerator: validation refuses, naming the field, what admission
// refuses (fuzzer.Case says which field); for every FittingJob the CRD
// admits, it passes and the generator makes well-formed children without
// panicking. The seed corpus runs with every `go test`;
// `go test -fuzz FuzzGenerator` explores. pkg/integration sends the same
// FittingJobs, and their children, to a real API server, and parses their
// schedules as the controller does.
func FuzzGenerator(f *testing.F) {
	for _, seed := range fuzzer.Seeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkCase(t, data) })
}

// TestEveryFuzzClass runs FuzzGenerator's checks on 3000 inputs from a
// fixed seed, enough for every class of fuzzer.Case to come up on every
// `go test`, which the seed corpus alone does not do.
func TestEveryFuzzClass(t *testing.T) {
	random := rand.New(rand.NewPCG(3, 4))
	seen := map[string]int{}
	for range 3000 {
		data := make([]byte, 16+random.IntN(240))
		for i := range data {
			data[i] = byte(random.UintN(256))
		}
		seen[checkCase(t, data)]++
	}
	for _, class := range append(fuzzer.Classes(), fuzzer.Admissible) {
		if seen[class] == 0 {
			t.Errorf("no input of class %q", class)
		}
		t.Logf("%4d %s", seen[class], class)
	}
}

// checkCase checks what the generator makes of the FittingJob that
// fuzzer.Case builds from data, and returns its class.
func checkCase(t *testing.T, data []byte) string {
	t.Helper()
	fj, want := fuzzer.Case("fuzz", data)
	children, errs := Desired(fj)
	if want.Refused != "" {
		if !slices.ContainsFunc(errs, func(e *field.Error) bool { return e.Field == want.Refused }) {
			t.Fatalf("%s: admission refuses %s, validation does not: %.2000v", want.Class, want.Refused, errs)
		}
		if children != nil {
			t.Errorf("%s: children of an invalid FittingJob", want.Class)
		}
		return want.Class
	}
	if len(errs) > 0 {
		t.Fatalf("%s: a FittingJob the CRD admits fails validation: %.2000v", want.Class, errs)
	}
	_ = Warnings(fj)

	cm := children.ConfigMap
	var config map[string]any
	if err := json.Unmarshal([]byte(cm.Data[ConfigKey]), &config); err != nil {
		t.Fatalf("config.json is not JSON: %v", err)
	}
	if config["customConfig"] != fj.Spec.CustomConfig {
		t.Errorf("customConfig = %q, want %q", config["customConfig"], fj.Spec.CustomConfig)
	}

	cj := children.CronJob
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if len(pod.Containers) != 1 || pod.Containers[0].Name != ContainerName {
		t.Fatalf("containers = %+v", pod.Containers)
	}
	// The fitting container mounts every volume but, with keysFrom, the
	// ConfigMap's, which only the init container reads.
	mounted := len(pod.Volumes)
	if d := fj.Spec.Provider.Datadog; d != nil && len(d.KeysFrom) > 0 {
		config, source := pod.Volumes[len(pod.Volumes)-2], pod.Volumes[len(pod.Volumes)-1]
		if config.Name != ConfigVolumeName || config.EmptyDir == nil || config.EmptyDir.Medium != "Memory" {
			t.Errorf("the volume before last is %+v, want the config volume in memory", config)
		}
		if source.Name != ConfigMapVolumeName || source.ConfigMap == nil || source.ConfigMap.Name != cm.Name {
			t.Errorf("the last volume is %+v, want the ConfigMap's", source)
		}
		if len(pod.InitContainers) != 1 || pod.InitContainers[0].Name != KeysContainerName {
			t.Errorf("init containers = %+v, want the keys' alone", pod.InitContainers)
		}
		mounted--
	} else {
		last := pod.Volumes[len(pod.Volumes)-1]
		if last.Name != ConfigVolumeName || last.ConfigMap == nil || last.ConfigMap.Name != cm.Name {
			t.Errorf("the last volume is %+v, want the config volume", last)
		}
		if len(pod.InitContainers) != 0 {
			t.Errorf("init containers = %+v without keysFrom", pod.InitContainers)
		}
	}
	if len(pod.Containers[0].VolumeMounts) != mounted {
		t.Errorf("%d mounts for %d volumes", len(pod.Containers[0].VolumeMounts), len(pod.Volumes))
	}
	if cj.Spec.Schedule != Schedule(fj) || cj.Spec.Schedule == "" {
		t.Errorf("schedule %q", cj.Spec.Schedule)
	}
	return want.Class
}
