package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		// The original project's sample (SPEC.md's compatibility fixture):
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
			in, err := openInput(tc.input, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			var stdout, stderr bytes.Buffer
			err = render(in, tc.namespace, &stdout, &stderr)
			if (err != nil) != tc.wantErr {
				t.Fatalf("render() error = %v, want error: %v", err, tc.wantErr)
			}
			if err != nil {
				stderr.WriteString("error: " + err.Error() + "\n")
			}
			checkGolden(t, filepath.Join("testdata", tc.name+".golden.yaml"), stdout.String())
			checkGolden(t, filepath.Join("testdata", tc.name+".stderr.golden"), stderr.String())
		})
	}
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
			wantErr: `document 1: FittingJob of apiVersion "ihpa.ake.cyberagent.co.jp/v1beta1": only ihpa.ake.cyberagent.co.jp/v1beta2 is known`,
		},
		{
			name:    "a document that is not YAML",
			input:   fittingJob + "---\nkind: [\n",
			wantErr: "document 2: ",
		},
		{
			name:    "empty input",
			input:   "",
			wantErr: "no FittingJob in the input",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := render(strings.NewReader(tc.input), tc.namespace, &stdout, &stderr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("render() error = %v, want one containing %q", err, tc.wantErr)
				}
				if stdout.Len() > 0 {
					t.Errorf("render() failed but printed:\n%s", stdout.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("render() error = %v", err)
			}
			for _, s := range tc.want {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(stdout.String(), s) {
					t.Errorf("output has %q:\n%s", s, stdout.String())
				}
			}
		})
	}
}

// TestRenderPrintsNothingWhenOneIsInvalid: a pipeline into kubectl must
// never receive half a bundle.
func TestRenderPrintsNothingWhenOneIsInvalid(t *testing.T) {
	in, err := os.Open("testdata/invalid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var stdout bytes.Buffer
	err = render(in, "", &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "FittingJob team-a/invalid is invalid:") {
		t.Fatalf("render() error = %v, want FittingJob team-a/invalid is invalid", err)
	}
	if strings.Contains(err.Error(), "default/valid") {
		t.Errorf("render() error names the valid FittingJob: %v", err)
	}
	if stdout.Len() > 0 {
		t.Errorf("render() printed the valid FittingJob's objects:\n%s", stdout.String())
	}
}
