package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

// TestRenderGolden pins what render prints for the samples and for bad
// input: testdata/<name>.golden.yaml is stdout, testdata/<name>.stderr.golden
// is what the user sees on stderr (warnings, then "error: ..." as execute
// prints it). A missing file means the stream must be empty. Run
// "go test ./cmd/kubectl-fittingjob -update" after an intended change and
// review the diff.
func TestRenderGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		// input is a file or a directory, read as -f reads it.
		input     string
		namespace string
		wantErr   bool
	}{
		// The original project's sample (the compatibility fixture,
		// pkg/generator/README.md):
		// inline keys and no dataConfigMap, so two warnings.
		{name: "original", input: "../../manifests/samples/original/fittingjob.yaml"},
		// Whole bundles: the Secret, ConfigMap and RBAC are skipped.
		{name: "datadog", input: "../../manifests/samples/datadog"},
		{name: "prometheus", input: "../../manifests/samples/prometheus"},
		{name: "schedule", input: "../../manifests/samples/schedule"},
		{name: "invalid", input: "testdata/invalid.yaml", wantErr: true},
		{name: "no-fittingjob", input: "testdata/no-fittingjob.yaml", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"render", "-f", tc.input}
			if tc.namespace != "" {
				args = append(args, "-n", tc.namespace)
			}
			stdout, stderr, code := runRender(t, "", args...)
			if (code != 0) != tc.wantErr {
				t.Fatalf("render exit status %d, want an error: %v; stderr:\n%s", code, tc.wantErr, stderr)
			}
			checkGolden(t, filepath.Join("testdata", tc.name+".golden.yaml"), stdout)
			checkGolden(t, filepath.Join("testdata", tc.name+".stderr.golden"), stderr)
		})
	}
}

// runRender runs the plugin's command line with stdin, without a
// kubeconfig, so that the namespace is "default" unless -n says otherwise.
func runRender(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	var out, errs bytes.Buffer
	code = execute(context.Background(), args, strings.NewReader(stdin), &out, &errs)
	return out.String(), errs.String(), code
}

// checkGolden compares got with the golden file at path, absent when got
// is empty; with -update it writes (or removes) the file instead.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		var err error
		if got == "" {
			err = os.Remove(path)
			if errors.Is(err, os.ErrNotExist) {
				err = nil
			}
		} else {
			err = os.WriteFile(path, []byte(got), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-golden +got); run with -update if this is intended:\n%s", path, diff)
	}
}

// TestRender covers the input handling around the generator: namespaces,
// document kinds and formats, and what is refused.
func TestRender(t *testing.T) {
	const fittingJob = `apiVersion: ihpa.ake.cyberagent.co.jp/v1beta2
kind: FittingJob
metadata:
  name: web
spec:
  dataConfigMap: {name: forecast}
  metric: {name: http_requests_total}
  provider:
    prometheus: {url: http://prometheus:9090}
`
	withNamespace := strings.Replace(fittingJob, "name: web\n", "name: web\n  namespace: team-a\n", 1)

	for _, tc := range []struct {
		name      string
		input     string
		namespace string
		// Every string in want must be in stdout, and none of notWant.
		want, notWant []string
		// wantErr is a part of the error; empty when none is expected.
		wantErr string
	}{
		{
			name:  "a FittingJob without a namespace goes to default",
			input: fittingJob,
			want:  []string{"namespace: default", `"dataConfigMapNamespace":"default"`},
		},
		{
			name:      "-n gives the namespace of a FittingJob without one",
			input:     fittingJob,
			namespace: "team-b",
			want:      []string{"namespace: team-b", `"dataConfigMapNamespace":"team-b"`},
			notWant:   []string{"namespace: default"},
		},
		{
			name:    "the FittingJob's own namespace wins without -n",
			input:   withNamespace,
			want:    []string{"namespace: team-a"},
			notWant: []string{"namespace: default"},
		},
		{
			name:      "-n naming the FittingJob's own namespace is fine",
			input:     withNamespace,
			namespace: "team-a",
			want:      []string{"namespace: team-a"},
		},
		{
			name:      "-n naming another namespace is refused, as by kubectl apply",
			input:     withNamespace,
			namespace: "team-b",
			wantErr:   `the namespace of FittingJob web, "team-a", does not match the namespace "team-b" given with -n`,
		},
		{
			name:  "the CRD's defaults are applied",
			input: fittingJob,
			want:  []string{`"seasonality":"auto"`, "concurrencyPolicy: Forbid", "\n  schedule: "},
			// No changePointDetectionConfig, so no change-point detection.
			notWant: []string{"changePointDetection"},
		},
		{
			name:    "the output is two documents with TypeMeta and no status",
			input:   fittingJob,
			want:    []string{"apiVersion: v1\n", "kind: ConfigMap\n", "---\napiVersion: batch/v1\nkind: CronJob\n"},
			notWant: []string{"status:", "creationTimestamp"},
		},
		{
			name:    "other kinds and empty documents are skipped",
			input:   "---\n# only a comment\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n" + fittingJob + "---\n",
			want:    []string{"name: web-config", "name: web\n"},
			notWant: []string{"kind: Secret"},
		},
		{
			name: "a List, as kubectl get -o yaml prints it",
			input: "apiVersion: v1\nkind: List\nitems:\n" +
				"- " + strings.ReplaceAll(strings.TrimSuffix(fittingJob, "\n"), "\n", "\n  ") + "\n" +
				"- " + strings.ReplaceAll(strings.TrimSuffix(strings.Replace(fittingJob, "name: web", "name: api", 1), "\n"), "\n", "\n  ") + "\n",
			want: []string{"name: web-config", "name: api-config"},
		},
		{
			name:  "JSON, as kubectl get -o json prints it",
			input: `{"apiVersion":"ihpa.ake.cyberagent.co.jp/v1beta2","kind":"FittingJob","metadata":{"name":"web","namespace":"team-a","uid":"0d1f"},"spec":{"metric":{"name":"m"},"provider":{"prometheus":{"url":"http://p"}}}}`,
			want:  []string{"name: web-config", "namespace: team-a", "uid: 0d1f"},
		},
		{
			name:    "an unknown field is refused, not silently defaulted",
			input:   strings.Replace(fittingJob, "spec:\n", "spec:\n  excuteOn: 3\n", 1),
			wantErr: `FittingJob "web": strict decoding error: unknown field "spec.excuteOn"`,
		},
		{
			name:    "a FittingJob of another version is refused, not skipped",
			input:   strings.Replace(fittingJob, "v1beta2", "v1beta1", 1),
			wantErr: `STDIN: FittingJob web of apiVersion "ihpa.ake.cyberagent.co.jp/v1beta1": only ihpa.ake.cyberagent.co.jp/v1beta2 is known`,
		},
		{
			name:    "a document that is not YAML",
			input:   fittingJob + "---\nkind: [\n",
			wantErr: "error parsing STDIN: ",
		},
		{
			name:    "empty input",
			input:   "",
			wantErr: "no FittingJob in the input",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"render", "-f", "-"}
			if tc.namespace != "" {
				args = append(args, "-n", tc.namespace)
			}
			stdout, stderr, code := runRender(t, tc.input, args...)
			if tc.wantErr != "" {
				if code != 1 || !strings.Contains(stderr, tc.wantErr) {
					t.Fatalf("render exit status %d, stderr %q; want 1 and an error containing %q", code, stderr, tc.wantErr)
				}
				if stdout != "" {
					t.Errorf("render failed but printed:\n%s", stdout)
				}
				return
			}
			if code != 0 {
				t.Fatalf("render exit status %d; stderr:\n%s", code, stderr)
			}
			for _, s := range tc.want {
				if !strings.Contains(stdout, s) {
					t.Errorf("output lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(stdout, s) {
					t.Errorf("output has %q:\n%s", s, stdout)
				}
			}
		})
	}
}

// TestRenderPrintsNothingWhenOneIsInvalid: a pipeline into kubectl must
// never receive half a bundle.
func TestRenderPrintsNothingWhenOneIsInvalid(t *testing.T) {
	stdout, stderr, code := runRender(t, "", "render", "-f", "testdata/invalid.yaml")
	if code != 1 || !strings.Contains(stderr, "FittingJob team-a/invalid is invalid:") {
		t.Fatalf("render exit status %d, stderr %q; want 1, FittingJob team-a/invalid is invalid", code, stderr)
	}
	if strings.Contains(stderr, "default/valid") {
		t.Errorf("render's error names the valid FittingJob: %s", stderr)
	}
	if stdout != "" {
		t.Errorf("render printed the valid FittingJob's objects:\n%s", stdout)
	}
}

// -f, -R and -k read manifests as kubectl does, and -o prints every
// object in the format asked.
func TestRenderInputsAndFormats(t *testing.T) {
	const bundle = "../../manifests/samples/prometheus"
	yamlOut, _, code := runRender(t, "", "render", "-f", bundle)
	if code != 0 {
		t.Fatalf("render -f %s: exit status %d", bundle, code)
	}

	t.Run("-k renders the kustomization as -f renders the directory", func(t *testing.T) {
		stdout, stderr, code := runRender(t, "", "render", "-k", bundle)
		if code != 0 {
			t.Fatalf("exit status %d: %s", code, stderr)
		}
		if diff := cmp.Diff(yamlOut, stdout); diff != "" {
			t.Errorf("-k and -f differ (-f +k):\n%s", diff)
		}
	})

	t.Run("-R reads subdirectories", func(t *testing.T) {
		flat, _, _ := runRender(t, "", "render", "-f", "../../manifests/samples", "-o", "name")
		recursive, stderr, code := runRender(t, "", "render", "-R", "-f", "../../manifests/samples", "-o", "name")
		if code != 0 {
			t.Fatalf("exit status %d: %s", code, stderr)
		}
		if flat != "" {
			t.Errorf("without -R, the samples' top directory has FittingJobs: %s", flat)
		}
		// datadog, original, prometheus, restricted, schedule.
		if n := strings.Count(recursive, "cronjob.batch/"); n != 5 {
			t.Errorf("-R found %d CronJobs, want 5:\n%s", n, recursive)
		}
	})

	t.Run("-o json is a List that parses", func(t *testing.T) {
		stdout, stderr, code := runRender(t, "", "render", "-f", bundle, "-o", "json")
		if code != 0 {
			t.Fatalf("exit status %d: %s", code, stderr)
		}
		var list struct {
			Kind  string
			Items []struct {
				Kind     string
				Metadata struct{ Name string }
			}
		}
		if err := json.Unmarshal([]byte(stdout), &list); err != nil {
			t.Fatalf("-o json does not parse: %v\n%s", err, stdout)
		}
		if list.Kind != "List" || len(list.Items) != 2 || list.Items[0].Kind != "ConfigMap" || list.Items[1].Kind != "CronJob" {
			t.Errorf("-o json = %+v, want a List of a ConfigMap and a CronJob", list)
		}
	})

	t.Run("-o yaml is a stream of documents that parse", func(t *testing.T) {
		decoder := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(yamlOut), 4096)
		var kinds []string
		for {
			var obj map[string]any
			if err := decoder.Decode(&obj); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("-o yaml does not parse: %v", err)
			}
			kinds = append(kinds, obj["kind"].(string))
		}
		if diff := cmp.Diff([]string{"ConfigMap", "CronJob"}, kinds); diff != "" {
			t.Errorf("documents differ (-want +got):\n%s", diff)
		}
	})

	for format, want := range map[string]string{
		"name":                      "configmap/ihpa-web-nginx-http-requests-total-config\ncronjob.batch/ihpa-web-nginx-http-requests-total\n",
		"jsonpath={.items[*].kind}": "ConfigMap CronJob",
	} {
		t.Run("-o "+format, func(t *testing.T) {
			stdout, stderr, code := runRender(t, "", "render", "-f", bundle, "-o", format)
			if code != 0 || stdout != want {
				t.Errorf("exit status %d, stdout %q, want 0, %q; stderr: %s", code, stdout, want, stderr)
			}
		})
	}
}
