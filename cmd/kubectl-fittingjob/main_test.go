package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
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
		{name: "no command", args: nil, wantCode: 2, wantErrs: "Usage:\n  kubectl fittingjob [flags]"},
		{name: "help", args: []string{"help"}, wantCode: 0, wantStdout: "kubectl fittingjob: work with FittingJobs"},
		{name: "unknown command", args: []string{"apply"}, wantCode: 2, wantErrs: `error: unknown command "apply" for "kubectl fittingjob"`},
		{name: "render -h", args: []string{"render", "-h"}, wantCode: 0, wantStdout: "Print the ConfigMap and the CronJob"},
		{name: "run --help", args: []string{"run", "--help"}, wantCode: 0, wantStdout: "Start a fitting run of FittingJob NAME now"},
		{name: "status -h", args: []string{"status", "-h"}, wantCode: 0, wantStdout: "Show why FittingJob NAME's forecast"},
		{
			name: "status without NAME", args: []string{"status"}, wantCode: 2,
			wantErrs: "error: the FittingJob NAME is required\nSee 'kubectl fittingjob status -h' for help.\n",
		},
		{
			name: "suspend with a wrong --dry-run", args: []string{"suspend", "fj", "--dry-run=maybe"}, wantCode: 2,
			wantErrs: `error: --dry-run must be "none", "client" or "server", not "maybe"` + "\nSee 'kubectl fittingjob suspend -h' for help.\n",
		},
		{
			name: "resume without NAME", args: []string{"resume"}, wantCode: 2,
			wantErrs: "error: the FittingJob NAME is required\nSee 'kubectl fittingjob resume -h' for help.\n",
		},
		{name: "--version", args: []string{"--version"}, wantCode: 0, wantStdout: "kubectl-fittingjob dev (go"},
		{
			name: "unknown flag", args: []string{"render", "--bogus"}, wantCode: 2,
			wantErrs: "error: unknown flag: --bogus\nSee 'kubectl fittingjob render -h' for help.\n",
		},
		{
			name: "render without -f", args: []string{"render"}, wantCode: 2,
			wantErrs: "error: must specify one of -f and -k\nSee 'kubectl fittingjob render -h' for help.\n",
		},
		{
			name: "run without NAME", args: []string{"run", "--wait"}, wantCode: 2,
			wantErrs: "error: the FittingJob NAME is required\nSee 'kubectl fittingjob run -h' for help.\n",
		},
		{
			name: "run with a wrong --dry-run", args: []string{"run", "fj", "--dry-run=maybe"}, wantCode: 2,
			wantErrs: `error: --dry-run must be "none", "client" or "server", not "maybe"` + "\nSee 'kubectl fittingjob run -h' for help.\n",
		},
		{
			name: "run --wait --dry-run", args: []string{"run", "fj", "--dry-run=client", "--wait"}, wantCode: 2,
			wantErrs: "error: --wait cannot be used with --dry-run: no Job runs\nSee 'kubectl fittingjob run -h' for help.\n",
		},
		{
			name: "an unknown output format", args: []string{"render", "-f", "x", "-o", "table"}, wantCode: 2,
			wantErrs: `error: unable to match a printer suitable for the output format "table"`,
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
			wantErrs: "error: FittingJob team-a/invalid is invalid:\n* spec.metric.name: Required value",
		},
		{
			name: "render a missing file", args: []string{"render", "-f", "testdata/missing.yaml"}, wantCode: 1,
			wantErrs: `error: the path "testdata/missing.yaml" does not exist` + "\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
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

// TestFlags checks that the plugin's command line is kubectl's: flags
// before or after the NAME, every connection flag on every command, and
// the output formats.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		// check inspects the parsed command.
		check func(t *testing.T, cmd *cobra.Command)
	}{
		{args: []string{"run", "NAME", "--wait", "-n", "ns"}, check: func(t *testing.T, cmd *cobra.Command) {
			wantFlag(t, cmd, "wait", "true")
			wantFlag(t, cmd, "namespace", "ns")
		}},
		{args: []string{"run", "-n=ns", "NAME", "--dry-run=server", "-o", "json"}, check: func(t *testing.T, cmd *cobra.Command) {
			wantFlag(t, cmd, "dry-run", "server")
			wantFlag(t, cmd, "output", "json")
		}},
		{args: []string{"render", "-f", "a.yaml", "-f", "dir", "-R", "-o", "jsonpath={.items[*].kind}"}, check: func(t *testing.T, cmd *cobra.Command) {
			wantFlag(t, cmd, "filename", "[a.yaml,dir]")
			wantFlag(t, cmd, "recursive", "true")
			wantFlag(t, cmd, "output", "jsonpath={.items[*].kind}")
		}},
		{args: []string{"run", "NAME", "--as=jane", "--as-group=devs", "--context=c", "--cluster=k", "--user=u",
			"--token=t", "--server=https://s", "--request-timeout=5s", "--kubeconfig=/k"}, check: func(t *testing.T, cmd *cobra.Command) {
			for name, value := range map[string]string{
				"as": "jane", "as-group": "[devs]", "context": "c", "cluster": "k", "user": "u",
				"token": "t", "server": "https://s", "request-timeout": "5s", "kubeconfig": "/k",
			} {
				wantFlag(t, cmd, name, value)
			}
		}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			root := newRootCommand(genericiooptions.NewTestIOStreamsDiscard(), func() {})
			cmd, rest, err := root.Find(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.ParseFlags(rest); err != nil {
				t.Fatalf("parsing %q: %v", rest, err)
			}
			tc.check(t, cmd)
		})
	}
}

func wantFlag(t *testing.T, cmd *cobra.Command, name, want string) {
	t.Helper()
	f := cmd.Flags().Lookup(name)
	if f == nil {
		t.Errorf("%s has no flag --%s", cmd.CommandPath(), name)
		return
	}
	if got := f.Value.String(); got != want {
		t.Errorf("--%s = %q, want %q", name, got, want)
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

// Completion through cobra's hidden __complete command, as the shell
// scripts and kubectl_complete-fittingjob call it: contexts come from the
// kubeconfig, dry-run values are fixed.
func TestCompletion(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts:
- {name: team-b, context: {cluster: k, user: u}}
- {name: team-a, context: {cluster: k, user: u}}
current-context: team-a
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", kubeconfig)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "run", "NAME", "--context", ""}, "team-a\nteam-b\n:4\n"},
		{[]string{"__complete", "run", "NAME", "--dry-run", ""}, "none\nclient\nserver\n:4\n"},
		{[]string{"__complete", "suspend", "NAME", "--dry-run", ""}, "none\nclient\nserver\n:4\n"},
		{[]string{"__complete", ""}, "completion\tGenerate the autocompletion script for the specified shell\nhelp\tHelp about any command\nlogs\tPrint the logs of a FittingJob's last run\nrender\tPrint the ConfigMap and CronJob a FittingJob yields, offline\nresume\tResume the scheduled fits of a suspended FittingJob\nrun\tStart a fitting run of a FittingJob now\nstatus\tShow why a FittingJob's forecast is fresh or stale\nsuspend\tStop the scheduled fits of a FittingJob\nversion\tPrint the plugin's version and the controller's\n:4\n"},
	} {
		var stdout, stderr bytes.Buffer
		if code := execute(context.Background(), tc.args, nil, &stdout, &stderr); code != 0 {
			t.Errorf("%q: exit status %d: %s", tc.args, code, stderr.String())
		}
		if diff := cmp.Diff(tc.want, stdout.String()); diff != "" {
			t.Errorf("%q: completions differ (-want +got):\n%s", tc.args, diff)
		}
	}
}
