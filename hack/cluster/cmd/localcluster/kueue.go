package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// kueueCRDs is where build.sh copies Kueue's CRDs from its module, beside the
// binaries, so that no module cache is needed at run time.
const kueueCRDs = "kueue-crds"

// startKueue installs Kueue's CRDs, starts Kueue with the Configuration
// below, and returns once its readiness probe answers. It runs after the
// fake Nodes are up, so Kueue's first look at the cluster finds them.
func (c *cluster) startKueue(ctx context.Context, kueueFlags []string) error {
	crds := filepath.Join(c.bin, kueueCRDs)
	// Server-side: the Workload CRD is too large for the last-applied
	// annotation of a client-side apply. Kueue exits ("no matches for kind
	// Workload") if it starts before its CRDs are served.
	if err := c.kubectl(ctx, "kueue", "apply", "--server-side", "--field-manager=localcluster", "-f", crds); err != nil {
		return err
	}
	if err := c.kubectl(ctx, "kueue", "wait", "--for=condition=Established", "--timeout=60s", "-f", crds); err != nil {
		return err
	}

	dir := filepath.Join(c.dir, "kueue")
	certDir := filepath.Join(dir, "certs")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return err
	}
	// Kueue's webhook server will not start without a serving certificate.
	// No webhook is registered with the API server, so nothing calls it: a
	// Job is queued by being created suspended with the queue-name label.
	if err := c.pki.writeServingPair("kueue-webhook", filepath.Join(certDir, "tls.crt"), filepath.Join(certDir, "tls.key")); err != nil {
		return err
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	config := filepath.Join(dir, "config.yaml")
	if err := writeKueueConfig(config, ports[0], ports[1], certDir); err != nil {
		return err
	}

	if c.kueue, err = c.start(ctx, "kueue", append([]string{
		"--config=" + config,
		"--kubeconfig=" + filepath.Join(c.dir, "kubeconfig"),
		// On by default, it serves the pending-workloads API on a port of
		// its own with a certificate from the fixed path /visibility.
		"--feature-gates=VisibilityOnDemand=false",
	}, kueueFlags...)...); err != nil {
		return err
	}
	// /readyz answers 200 once the webhook server listens, which is before
	// Kueue's controllers have synced their caches (about 2 s later here);
	// what CMD creates in between is reconciled once they have.
	ready := fmt.Sprintf("http://127.0.0.1:%d/readyz", ports[1])
	return c.waitFor(ctx, c.kueue, 120*time.Second, "/readyz", c.ok(ready))
}

// writeKueueConfig writes Kueue's Configuration as JSON, which is valid YAML.
func writeKueueConfig(path string, webhookPort, healthPort int, certDir string) error {
	config := map[string]any{
		"apiVersion":     "config.kueue.x-k8s.io/v1beta2",
		"kind":           "Configuration",
		"leaderElection": map[string]any{"leaderElect": false},
		// Kueue's own certificate management keeps its certificates in a
		// Secret and expects the kubelet to mount it into certDir; there
		// is no kubelet here, so the certificate is ours (above).
		"internalCertManagement": map[string]any{"enable": false},
		"webhook":                map[string]any{"host": "127.0.0.1", "port": webhookPort, "certDir": certDir},
		"health":                 map[string]any{"healthProbeBindAddress": "127.0.0.1:" + strconv.Itoa(healthPort)},
		// Off: nothing here scrapes it. Kueue v0.17.0 would otherwise read
		// the metrics certificate from /etc/kueue/metrics/certs, and
		// build.sh makes it skip that read when the metrics are off.
		"metrics":      map[string]any{"bindAddress": "0"},
		"integrations": map[string]any{"frameworks": []string{"batch/job"}},
		// Kueue's default, spelled out: a Job without the queue-name
		// label is not Kueue's, so every other test runs as without it.
		"manageJobsWithoutQueueName": false,
	}
	data, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// kubectl runs kubectl as admin with its output appended to the log of
// component name, which a failure then points at.
func (c *cluster) kubectl(ctx context.Context, name string, args ...string) error {
	log, err := os.OpenFile(c.logPath(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig=" + filepath.Join(c.dir, "kubeconfig")}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return &componentError{name, fmt.Errorf("%s: %w", cmd, err)}
	}
	return nil
}
