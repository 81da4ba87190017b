package generator

import (
	"encoding/json"
	"testing"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator/fuzzer"
)

// FuzzGenerator: for any FittingJob the CRD admits, validation passes and
// the generator makes well-formed children without panicking. The seed
// corpus runs with every `go test`; `go test -fuzz FuzzGenerator` explores.
// pkg/integration sends the same FittingJobs' children to a real API
// server with a server-side dry-run.
func FuzzGenerator(f *testing.F) {
	for _, seed := range fuzzer.Seeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fj := fuzzer.FittingJob("fuzz", data)
		if errs := validationErrors(fj); len(errs) > 0 {
			t.Fatalf("a FittingJob the CRD admits fails validation: %v\n%+v", errs, fj.Spec)
		}
		_ = Warnings(fj)

		cm := desired(t, fj).ConfigMap
		var config map[string]any
		if err := json.Unmarshal([]byte(cm.Data[ConfigKey]), &config); err != nil {
			t.Fatalf("config.json is not JSON: %v", err)
		}
		if config["customConfig"] != fj.Spec.CustomConfig {
			t.Errorf("customConfig = %q, want %q", config["customConfig"], fj.Spec.CustomConfig)
		}

		cj := desired(t, fj).CronJob
		pod := cj.Spec.JobTemplate.Spec.Template.Spec
		if len(pod.Containers) != 1 || pod.Containers[0].Name != ContainerName {
			t.Fatalf("containers = %+v", pod.Containers)
		}
		last := pod.Volumes[len(pod.Volumes)-1]
		if last.Name != ConfigVolumeName || last.ConfigMap == nil || last.ConfigMap.Name != cm.Name {
			t.Errorf("the last volume is %+v, want the config volume", last)
		}
		if len(pod.Containers[0].VolumeMounts) != len(pod.Volumes) {
			t.Errorf("%d mounts for %d volumes", len(pod.Containers[0].VolumeMounts), len(pod.Volumes))
		}
		if cj.Spec.Schedule != Schedule(fj) || cj.Spec.Schedule == "" {
			t.Errorf("schedule %q", cj.Spec.Schedule)
		}
	})
}
