//go:build integration

package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// `kubectl apply -k manifests/samples/datadog/` never overwrites the keys
// a user put in Secret datadog-keys, whether the Secret was there before the
// sample or filled in after it, with client-side or server-side apply.
func TestDatadogSampleKeepsTheUsersKeys(t *testing.T) {
	ctx := context.Background()
	const secret = "datadog-keys"
	keys := func(t *testing.T, ns string) map[string]string {
		t.Helper()
		s, err := kube.CoreV1().Secrets(ns).Get(ctx, secret, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for k, v := range s.Data {
			got[k] = string(v)
		}
		return got
	}
	want := func(t *testing.T, ns, when string) {
		t.Helper()
		got := keys(t, ns)
		if len(got) != 2 || got["DD_API_KEY"] != "users-api-key" || got["DD_APP_KEY"] != "users-app-key" {
			t.Errorf("%s: the Secret's data is %v, want the user's keys", when, got)
		}
	}

	t.Run("filled in after the sample", func(t *testing.T) {
		ns := newNamespace(t)
		sample := datadogSampleIn(t, ns)
		kubectlApply(t, "-k", sample)
		if got := keys(t, ns); len(got) != 0 {
			t.Fatalf("the sample's Secret has data %v, want none", got)
		}
		// As the sample's comment says to, and as `kubectl edit` would.
		if _, err := kube.CoreV1().Secrets(ns).Patch(ctx, secret, types.MergePatchType,
			[]byte(`{"stringData":{"DD_API_KEY":"users-api-key","DD_APP_KEY":"users-app-key"}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		kubectlApply(t, "-k", sample)
		want(t, ns, "after applying the sample again")
		kubectlApply(t, "--server-side", "--force-conflicts", "-k", sample)
		want(t, ns, "after applying it server-side")
	})

	for _, apply := range []struct {
		name  string
		flags []string
	}{
		{"client-side", nil},
		{"server-side", []string{"--server-side"}},
	} {
		t.Run("there before the sample, "+apply.name, func(t *testing.T) {
			ns := newNamespace(t)
			// As `kubectl create secret generic` does.
			if _, err := kube.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secret},
				StringData: map[string]string{"DD_API_KEY": "users-api-key", "DD_APP_KEY": "users-app-key"},
			}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			sample := datadogSampleIn(t, ns)
			kubectlApply(t, append(apply.flags, "-k", sample)...)
			want(t, ns, "after applying the sample")
			kubectlApply(t, append(apply.flags, "-k", sample)...)
			want(t, ns, "after applying it again")
		})
	}
}

// datadogSampleIn writes an overlay that puts manifests/samples/datadog in
// namespace, and returns its directory.
func datadogSampleIn(t *testing.T, namespace string) string {
	t.Helper()
	dir := t.TempDir()
	sample, err := filepath.Abs(filepath.Join("..", "..", "manifests", "samples", "datadog"))
	if err != nil {
		t.Fatal(err)
	}
	// Kustomize takes directories by relative path only.
	rel, err := filepath.Rel(dir, sample)
	if err != nil {
		t.Fatal(err)
	}
	kustomization := "namespace: " + namespace + "\nresources:\n- " + rel + "\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func kubectlApply(t *testing.T, args ...string) {
	t.Helper()
	args = append([]string{"--kubeconfig", filepath.Join(os.Getenv("LOCALCLUSTER_DIR"), "kubeconfig"), "apply"}, args...)
	if out, err := exec.Command("kubectl", args...).CombinedOutput(); err != nil {
		t.Fatalf("kubectl %v: %v\n%s", args, err, out)
	}
}
