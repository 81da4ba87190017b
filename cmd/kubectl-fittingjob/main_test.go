package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExecute checks the command line: exit statuses, where help and
// errors go, and that render reads files, directories and stdin.
func TestExecute(t *testing.T) {
	original, err := os.ReadFile("../../manifests/samples/original/fittingjob.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                 string
		args                 []string
		stdin                string
		wantCode             int
		wantStdout, wantErrs string // prefixes of stdout and stderr
	}{
		{name: "no command", args: nil, wantCode: 2, wantErrs: "kubectl fittingjob: work with FittingJobs"},
		{name: "help", args: []string{"help"}, wantCode: 0, wantStdout: "kubectl fittingjob: work with FittingJobs"},
		{name: "unknown command", args: []string{"apply"}, wantCode: 2, wantErrs: `error: unknown command "apply"`},
		{name: "render -h", args: []string{"render", "-h"}, wantCode: 0, wantStdout: "Usage: kubectl fittingjob render"},
		{name: "run --help", args: []string{"run", "--help"}, wantCode: 0, wantStdout: "Usage: kubectl fittingjob run"},
		{
			name: "unknown flag", args: []string{"render", "--bogus"}, wantCode: 2,
			wantErrs: "error: flag provided but not defined: -bogus\nSee 'kubectl fittingjob render -h' for help.\n",
		},
		{
			name: "render without -f", args: []string{"render"}, wantCode: 2,
			wantErrs: "error: -f FILE is required\nSee 'kubectl fittingjob render -h' for help.\n",
		},
		{
			name: "run without NAME", args: []string{"run", "--wait"}, wantCode: 2,
			wantErrs: "error: the FittingJob NAME is required\n",
		},
		{
			name: "render a file", args: []string{"render", "-f", "../../manifests/samples/original/fittingjob.yaml"},
			wantCode: 0, wantStdout: "apiVersion: v1\n", wantErrs: "Warning: FittingJob default/fittingjob: ",
		},
		{
			name: "render stdin, flags after -f, long names", args: []string{"render", "--filename", "-", "--namespace", "team-a"}, stdin: string(original),
			wantCode: 0, wantStdout: "apiVersion: v1\n", wantErrs: "Warning: FittingJob team-a/fittingjob: ",
		},
		{
			name: "render an invalid file", args: []string{"render", "-f", "testdata/invalid.yaml"}, wantCode: 1,
			wantErrs: "error: testdata/invalid.yaml: FittingJob team-a/invalid is invalid:\n* spec.metric.name: Required value",
		},
		{
			name: "render a missing file", args: []string{"render", "-f", "testdata/missing.yaml"}, wantCode: 1,
			wantErrs: "error: stat testdata/missing.yaml: no such file or directory\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := execute(context.Background(), tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit status = %d, want %d; stderr:\n%s", code, tc.wantCode, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), tc.wantStdout) || (tc.wantStdout == "" && stdout.Len() > 0) {
				t.Errorf("stdout = %q, want it to start with %q", stdout.String(), tc.wantStdout)
			}
			if !strings.HasPrefix(stderr.String(), tc.wantErrs) || (tc.wantErrs == "" && stderr.Len() > 0) {
				t.Errorf("stderr = %q, want it to start with %q", stderr.String(), tc.wantErrs)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args           []string
		wantPositional []string
		wantWait       bool
		wantNamespace  string
	}{
		{args: []string{"NAME"}, wantPositional: []string{"NAME"}},
		{args: []string{"NAME", "--wait", "-n", "ns"}, wantPositional: []string{"NAME"}, wantWait: true, wantNamespace: "ns"},
		{args: []string{"-n=ns", "NAME", "-wait"}, wantPositional: []string{"NAME"}, wantWait: true, wantNamespace: "ns"},
		{args: []string{"A", "--wait", "B"}, wantPositional: []string{"A", "B"}, wantWait: true},
		{args: []string{"--wait", "--", "-n", "x"}, wantPositional: []string{"-n", "x"}, wantWait: true},
		{args: []string{"NAME", "--", "--wait"}, wantPositional: []string{"NAME", "--wait"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := newFlagSet("test")
			wait := fs.Bool("wait", false, "")
			namespace := fs.String("n", "", "")
			positional, err := parseFlags(fs, "", tc.args, &bytes.Buffer{}, &bytes.Buffer{})
			if err != nil {
				t.Fatalf("parseFlags() error = %v", err)
			}
			if diff := cmp.Diff(tc.wantPositional, positional); diff != "" {
				t.Errorf("positional arguments differ (-want +got):\n%s", diff)
			}
			if *wait != tc.wantWait || *namespace != tc.wantNamespace {
				t.Errorf("--wait = %v, -n = %q; want %v, %q", *wait, *namespace, tc.wantWait, tc.wantNamespace)
			}
		})
	}
	if _, err := parseFlags(newFlagSet("test"), "", []string{"-h"}, &bytes.Buffer{}, &bytes.Buffer{}); err != flag.ErrHelp {
		t.Errorf("parseFlags(-h) error = %v, want flag.ErrHelp", err)
	}
}

// TestRunCommandKubeconfig checks that run finds the cluster and the
// namespace as kubectl does: $KUBECONFIG or --kubeconfig, the current
// context or --context, and -n over the context's namespace. A test API
// server answers "not found" to everything and records the paths asked.
func TestRunCommandKubeconfig(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
	}))
	defer server.Close()

	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: %q}
users:
- name: test
  user: {token: test}
contexts:
- name: team-a
  context: {cluster: test, user: test, namespace: team-a}
- name: team-b
  context: {cluster: test, user: test, namespace: team-b}
current-context: team-a
`, server.URL)), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name       string
		env        string // $KUBECONFIG
		args       []string
		wantNS     string
		wantErrors string
	}{
		{name: "$KUBECONFIG, current context", env: kubeconfig, args: []string{"run", "fj"}, wantNS: "team-a"},
		{name: "--kubeconfig", env: "/nonexistent", args: []string{"run", "fj", "--kubeconfig", kubeconfig}, wantNS: "team-a"},
		{name: "--context", env: kubeconfig, args: []string{"run", "fj", "--context", "team-b"}, wantNS: "team-b"},
		{name: "-n over the context", env: kubeconfig, args: []string{"run", "fj", "-n", "team-c"}, wantNS: "team-c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tc.env)
			mu.Lock()
			paths = nil
			mu.Unlock()
			var stdout, stderr bytes.Buffer
			code := execute(context.Background(), tc.args, nil, &stdout, &stderr)
			if want := "error: no FittingJob fj in namespace " + tc.wantNS + "\n"; code != 1 || stderr.String() != want {
				t.Errorf("exit status %d, stderr %q; want 1, %q", code, stderr.String(), want)
			}
			want := []string{"/apis/ihpa.ake.cyberagent.co.jp/v1beta2/namespaces/" + tc.wantNS + "/fittingjobs/fj"}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(want, paths); diff != "" {
				t.Errorf("requests differ (-want +got):\n%s", diff)
			}
		})
	}
}
