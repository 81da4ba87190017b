package generator

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// blankKeys is how the ConfigMap's config.json starts with keysFrom: the
// init container replaces exactly this.
const blankKeys = `{"provider":{"datadog":{"apikey":"","appkey":""}},`

// TestCronJobKeysFrom: only keysFrom adds the init container and turns the
// config volume into an emptyDir; the init container gets keysFrom alone
// (not the spec's env or envFrom); the fitting container finds config.json
// where it always did and never mounts the ConfigMap itself.
func TestCronJobKeysFrom(t *testing.T) {
	keys := []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "datadog-keys"}}}}
	common := []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "common"}}}}
	cache := corev1.Volume{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	for _, tc := range []struct {
		name     string
		mutate   func(*ihpav1beta2.FittingJob)
		keysFrom bool
	}{
		{"prometheus", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider = ihpav1beta2.Provider{Prometheus: &ihpav1beta2.PrometheusProvider{URL: "http://p"}}
		}, false},
		{"inline keys", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider = ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{APIKey: "a", AppKey: "b"}}
		}, false},
		{"keysFrom", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider = ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{KeysFrom: keys}}
		}, true},
		{"keysFrom next to inline keys, env, envFrom and a volume", func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Provider = ihpav1beta2.Provider{Datadog: &ihpav1beta2.DatadogProvider{APIKey: "a", AppKey: "b", KeysFrom: keys}}
			fj.Spec.Env = []corev1.EnvVar{{Name: "TZ", Value: "UTC"}}
			fj.Spec.EnvFrom = common
			fj.Spec.Volumes = []corev1.Volume{cache}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := prometheusFixture()
			tc.mutate(fj)
			pod := desired(t, fj).CronJob.Spec.JobTemplate.Spec.Template.Spec
			wantVolumes := append(append([]corev1.Volume(nil), fj.Spec.Volumes...), configVolume(ConfigMapName(fj)))
			var wantInit []corev1.Container
			if tc.keysFrom {
				wantVolumes = append(append([]corev1.Volume(nil), fj.Spec.Volumes...), keysVolumesFor(ConfigMapName(fj))...)
				wantInit = []corev1.Container{keysInitContainer(keys)}
			}
			if diff := cmp.Diff(wantVolumes, pod.Volumes); diff != "" {
				t.Errorf("volumes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantInit, pod.InitContainers); diff != "" {
				t.Errorf("init containers (-want +got):\n%s", diff)
			}
			mounts := pod.Containers[0].VolumeMounts
			if diff := cmp.Diff(configMount, mounts[len(mounts)-1]); diff != "" {
				t.Errorf("the fitting container's last mount (-want +got):\n%s", diff)
			}
			for _, m := range mounts {
				if m.Name == ConfigMapVolumeName {
					t.Errorf("the fitting container mounts the ConfigMap's volume: %+v", mounts)
				}
			}
		})
	}
}

// TestKeysContainerRunsAsTheCronJobSaysIt runs the init container's
// command and arguments, exactly as the generated CronJob carries them, on
// the ConfigMap the generator makes (testdata/config-keysfrom.golden.json)
// with the variables a Secret gives it, and checks the config.json it
// leaves for the fitting container: valid JSON, the keys in
// provider.datadog whatever characters they hold, everything else as the
// ConfigMap has it byte for byte, and the ConfigMap's copy unchanged.
func TestKeysContainerRunsAsTheCronJobSaysIt(t *testing.T) {
	fj := keysFromFixture(t)
	children := desired(t, fj)
	golden, err := os.ReadFile(filepath.Join("testdata", "config-keysfrom.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if children.ConfigMap.Data[ConfigKey] != string(golden) {
		t.Fatal("the ConfigMap's config.json is not testdata/config-keysfrom.golden.json (TestConfigGolden says how)")
	}
	for _, sh := range shells(t) {
		t.Run(sh.name, func(t *testing.T) {
			for _, keys := range []struct{ name, api, app string }{
				{"hexadecimal, as Datadog's", "0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef01234567"},
				{"quotes and backslashes", `a"b\c`, `\\"\"\`},
				{"JSON that would end the string", `","apikey":"stolen`, `"}},"dataConfigMapName":"x`},
				{"unicode", "日本語-é-😀-\u2028", "Ω\u00a0Ω"},
				{"shell and printf syntax", "$(id) `id` ${HOME} %s %d %% * ?", `-n -e \n \t`},
				{"blanks around", "  spaced out  ", " "},
			} {
				t.Run(keys.name, func(t *testing.T) {
					run := runKeysContainer(t, sh, children.CronJob, children.ConfigMap,
						map[string]map[string]string{"datadog-keys": {"DD_API_KEY": keys.api, "DD_APP_KEY": keys.app}})
					run.checkKeys(t, keys.api, keys.app)
				})
			}

			// A Secret with other names, which the envFrom prefix maps.
			t.Run("keys of a Secret with the prefix DD_", func(t *testing.T) {
				prefixed := keysFromFixture(t)
				prefixed.Spec.Provider.Datadog.KeysFrom[0].Prefix = "DD_"
				children := desired(t, prefixed)
				run := runKeysContainer(t, sh, children.CronJob, children.ConfigMap,
					map[string]map[string]string{"datadog-keys": {"API_KEY": "api", "APP_KEY": "app", "SITE": "datadoghq.eu"}})
				run.checkKeys(t, "api", "app")
			})

			// Only the start of the file is the provider's: a customConfig
			// that repeats it, near the ConfigMap's 1 MiB, is copied as
			// it is.
			t.Run("a customConfig of 900 kB that repeats the blank keys", func(t *testing.T) {
				big := keysFromFixture(t)
				big.Spec.CustomConfig = strings.Repeat(blankKeys, 15000)
				children := desired(t, big)
				started := time.Now()
				run := runKeysContainer(t, sh, children.CronJob, children.ConfigMap,
					map[string]map[string]string{"datadog-keys": {"DD_API_KEY": "api", "DD_APP_KEY": "app"}})
				t.Logf("%d bytes in %v", len(children.ConfigMap.Data[ConfigKey]), time.Since(started))
				run.checkKeys(t, "api", "app")
			})
		})
	}
}

// TestKeysContainerRefuses: a key that is missing, empty or holds a
// control character, and a config.json that does not start with the blank
// keys, make the init container fail, naming the variable but never
// quoting a key, and leave no config.json for the fitting container.
func TestKeysContainerRefuses(t *testing.T) {
	children := desired(t, keysFromFixture(t))
	inline := desired(t, compatibilityFixture(t)).ConfigMap.Data[ConfigKey]
	for _, sh := range shells(t) {
		t.Run(sh.name, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				secret map[string]string
				config string // the ConfigMap's config.json, when not the generator's
				want   string
			}{
				{"no DD_APP_KEY", map[string]string{"DD_API_KEY": "secret-api-key"}, "", "DD_APP_KEY is not set or empty"},
				{"no keys at all", map[string]string{"DD_SITE": "datadoghq.eu"}, "", "DD_API_KEY is not set or empty"},
				{"an empty DD_API_KEY", map[string]string{"DD_API_KEY": "", "DD_APP_KEY": "secret-app-key"}, "", "DD_API_KEY is not set or empty"},
				{"a newline at the end", map[string]string{"DD_API_KEY": "secret-api-key\n", "DD_APP_KEY": "secret-app-key"}, "", "DD_API_KEY contains a control character"},
				{"a tab", map[string]string{"DD_API_KEY": "secret-api-key", "DD_APP_KEY": "secret\tapp-key"}, "", "DD_APP_KEY contains a control character"},
				{"an escape sequence", map[string]string{"DD_API_KEY": "secret\x1b[2Japi-key", "DD_APP_KEY": "secret-app-key"}, "", "DD_API_KEY contains a control character"},
				{"inline keys in config.json", map[string]string{"DD_API_KEY": "secret-api-key", "DD_APP_KEY": "secret-app-key"}, inline, "does not start with"},
				{"no config.json", map[string]string{"DD_API_KEY": "secret-api-key", "DD_APP_KEY": "secret-app-key"}, "-", "config.json is missing"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					cm := children.ConfigMap.DeepCopy()
					switch tc.config {
					case "":
					case "-":
						cm.Data = nil
					default:
						cm.Data[ConfigKey] = tc.config
					}
					run := runKeysContainer(t, sh, children.CronJob, cm, map[string]map[string]string{"datadog-keys": tc.secret})
					if run.err == nil {
						t.Fatalf("the init container succeeded; output %q", run.output)
					}
					if !strings.Contains(run.output, tc.want) {
						t.Errorf("output %q does not say %q", run.output, tc.want)
					}
					// Every key here contains "secret".
					if strings.Contains(run.output, "secret") {
						t.Errorf("output %q quotes a key", run.output)
					}
					if entries, _ := os.ReadDir(filepath.Join(run.root, ConfigVolumeName)); len(entries) > 0 {
						t.Errorf("the config volume holds %v after a refusal, want nothing", entries)
					}
				})
			}
		})
	}
}

// shell is an environment to run the init container's command in: the
// PATH it finds sh and its tools on.
type shell struct{ name, path string }

// shells are the machine's sh; dash, where it is installed and is not
// already the machine's sh, which knows nothing beyond POSIX and catches
// what the author's shell would forgive; and busybox's applets alone, as
// the init container's image has them, where busybox is installed.
func shells(t *testing.T) []shell {
	t.Helper()
	found := []shell{{"sh", os.Getenv("PATH")}}
	sh, _ := exec.LookPath("sh")
	sh, _ = filepath.EvalSymlinks(sh)
	if dash, err := exec.LookPath("dash"); err == nil {
		if resolved, _ := filepath.EvalSymlinks(dash); resolved != sh {
			dir := t.TempDir()
			if err := os.Symlink(dash, filepath.Join(dir, "sh")); err != nil {
				t.Fatal(err)
			}
			found = append(found, shell{"dash", dir + string(filepath.ListSeparator) + os.Getenv("PATH")})
		}
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Log("busybox is not installed: the init container's command runs with the machine's tools only")
		return found
	}
	applets, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		t.Fatalf("busybox --list: %v", err)
	}
	dir := t.TempDir()
	for _, applet := range strings.Fields(string(applets)) {
		if err := os.Symlink(busybox, filepath.Join(dir, applet)); err != nil {
			t.Fatal(err)
		}
	}
	return append(found, shell{"busybox", dir})
}

// keysRun is what one run of the init container left.
type keysRun struct {
	root   string // the directory that stood for the container's "/"
	input  string // the ConfigMap's config.json
	output string // its stdout and stderr
	err    error
}

// runKeysContainer runs the init container of cj as a kubelet would, in a
// directory standing for the container's root: each of its mounts is a
// directory there (the ConfigMap's volume holding cm's data, the emptyDir
// empty), its working directory is taken there, and its environment is
// what its envFrom makes of secrets (name to data), with sh's PATH. Its
// command and arguments run exactly as the CronJob has them.
func runKeysContainer(t *testing.T, sh shell, cj *batchv1.CronJob, cm *corev1.ConfigMap, secrets map[string]map[string]string) *keysRun {
	t.Helper()
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if len(pod.InitContainers) != 1 {
		t.Fatalf("init containers = %+v, want one", pod.InitContainers)
	}
	c := pod.InitContainers[0]
	run := &keysRun{root: t.TempDir(), input: cm.Data[ConfigKey]}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	for _, m := range c.VolumeMounts {
		dir := filepath.Join(run.root, m.MountPath)
		if err := os.MkdirAll(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		switch v := volumes[m.Name]; {
		case v.ConfigMap != nil && v.ConfigMap.Name == cm.Name && m.ReadOnly:
			for key, data := range cm.Data {
				if err := os.WriteFile(filepath.Join(dir, key), []byte(data), 0o444); err != nil {
					t.Fatal(err)
				}
			}
		case v.EmptyDir != nil && !m.ReadOnly:
		default:
			t.Fatalf("mount %+v of volume %+v", m, v)
		}
	}
	if len(c.Env) > 0 || len(c.Args) > 0 {
		t.Fatalf("env %v and args %v: the test emulates neither", c.Env, c.Args)
	}
	env := []string{"PATH=" + sh.path}
	for _, from := range c.EnvFrom {
		if from.SecretRef == nil {
			t.Fatalf("envFrom %+v: only Secrets are emulated", from)
		}
		for key, value := range secrets[from.SecretRef.Name] {
			env = append(env, from.Prefix+key+"="+value)
		}
	}

	cmd := &exec.Cmd{
		Path: lookPath(t, c.Command[0], sh.path),
		Args: append(append([]string(nil), c.Command...), c.Args...),
		Dir:  filepath.Join(run.root, c.WorkingDir),
		Env:  env,
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	run.err = cmd.Run()
	run.output = out.String()
	if got, err := os.ReadFile(filepath.Join(run.root, ConfigMapMountPath, ConfigKey)); err == nil && string(got) != run.input {
		t.Errorf("the init container changed the ConfigMap's %s", ConfigKey)
	}
	return run
}

// lookPath finds name on path, as the container's runtime would: not on
// the test's own PATH.
func lookPath(t *testing.T, name, path string) string {
	t.Helper()
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return p
		}
	}
	t.Fatalf("%s is not on %s", name, path)
	return ""
}

// checkKeys checks a successful run: nothing printed, and a config.json,
// readable by any user, holding the keys and, after them, the ConfigMap's
// config.json byte for byte.
func (run *keysRun) checkKeys(t *testing.T, api, app string) {
	t.Helper()
	if run.err != nil || run.output != "" {
		t.Fatalf("the init container: %v, output %q", run.err, run.output)
	}
	path := filepath.Join(run.root, ConfigMountPath, ConfigKey)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("%s: %v, mode %v, want 0644 (the fitting container may run as any user)", path, err, info.Mode())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("the config volume holds %v, want config.json alone", entries)
	}

	var got, want map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("config.json is not JSON: %v\n%s", err, data)
	}
	if err := json.Unmarshal([]byte(run.input), &want); err != nil {
		t.Fatal(err)
	}
	want["provider"] = map[string]any{"datadog": map[string]any{"apikey": api, "appkey": app}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config.json (-want +got):\n%s", diff)
	}
	rest, ok := strings.CutPrefix(run.input, blankKeys)
	if !ok {
		t.Fatalf("the ConfigMap's config.json does not start with %s", blankKeys)
	}
	if !bytes.HasSuffix(data, []byte(rest)) {
		t.Error("config.json after the provider differs from the ConfigMap's")
	}
}
