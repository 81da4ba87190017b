package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// kwokStages is handed to kwok with --config; see the file for the fit
// outcomes a test can choose through the container image.
//
//go:embed kwok-stages.yaml
var kwokStages []byte

// podLogFile, in DIR, is every container's log as kwok serves it.
const podLogFile = "pod.log"

// clusterLogs is kwok's configuration that serves the file path as the log
// of every container of every Pod.
func clusterLogs(path string) []byte {
	return fmt.Appendf(nil, `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: every-container
spec:
  logs:
  - logsFile: %q
`, path)
}

const (
	// fakeNodeAnnotation marks the Nodes kwok manages (its
	// --manage-nodes-with-annotation-selector), and only those.
	fakeNodeAnnotation = "kwok.x-k8s.io/node"
	notReadyTaint      = "node.kubernetes.io/not-ready"
)

func fakeNodeName(i int) string { return fmt.Sprintf("kwok-node-%d", i) }

// startJobRunners starts kube-scheduler and kwok and brings up n fake Nodes,
// so that Pods are scheduled and run; it returns once every Node is Ready and
// schedulable.
func (c *cluster) startJobRunners(ctx context.Context, n int, schedulerFlags, kwokFlags []string) error {
	kubeconfig := filepath.Join(c.dir, "kubeconfig")
	var err error
	if c.scheduler, err = c.start(ctx, "kube-scheduler", append([]string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
	}, schedulerFlags...)...); err != nil {
		return err
	}

	// kwok stands in for the kubelet API too: `kubectl logs` of any
	// container returns the file DIR/pod.log (a ClusterLogs beside the
	// Stages), which a test may append to in the CRI log format the
	// kubelet reads ("<RFC 3339 time> stdout F <line>"). The API server reaches it at
	// the fake Nodes' InternalIP and kubelet port, over TLS with the API
	// server's own serving certificate (it does not verify a kubelet's).
	podLog := filepath.Join(c.dir, podLogFile)
	firstLine := time.Now().UTC().Format(time.RFC3339Nano) + " stdout F localcluster: kwok serves this file as the log of every container\n"
	if err := os.WriteFile(podLog, []byte(firstLine), 0o644); err != nil {
		return err
	}
	config := filepath.Join(c.dir, "kwok.yaml")
	if err := os.WriteFile(config, append(kwokStages, clusterLogs(podLog)...), 0o644); err != nil {
		return err
	}
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	kubeletPort := strconv.Itoa(ports[0])
	if c.kwok, err = c.start(ctx, "kwok", append([]string{
		"--kubeconfig=" + kubeconfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + fakeNodeAnnotation + "=fake",
		"--server-address=127.0.0.1:" + kubeletPort,
		"--node-ip=127.0.0.1",
		"--node-port=" + kubeletPort,
		"--tls-cert-file=" + c.pki.servingCert,
		"--tls-private-key-file=" + c.pki.servingKey,
		// Pod IPs; kwok's default, 10.0.0.0/24, is our Service range.
		"--cidr=10.244.0.0/16",
		"--config=" + config,
	}, kwokFlags...)...); err != nil {
		return err
	}

	for i := range n {
		if err := c.createFakeNode(fakeNodeName(i)); err != nil {
			return &componentError{"kwok", err}
		}
	}
	for i := range n {
		name := fakeNodeName(i)
		if err := c.waitFor(ctx, c.kwok, 60*time.Second, "Node "+name+" Ready and untainted",
			func() bool { return c.nodeSchedulable(name) }); err != nil {
			return err
		}
	}
	return nil
}

// node is the part of a v1.Node the launcher writes or reads.
type node struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name            string            `json:"name"`
		ResourceVersion string            `json:"resourceVersion,omitempty"`
		Labels          map[string]string `json:"labels,omitempty"`
		Annotations     map[string]string `json:"annotations,omitempty"`
	} `json:"metadata"`
	Spec struct {
		Taints []taint `json:"taints,omitempty"`
	} `json:"spec"`
	Status struct {
		Capacity    map[string]string `json:"capacity,omitempty"`
		Allocatable map[string]string `json:"allocatable,omitempty"`
		Conditions  []condition       `json:"conditions,omitempty"`
	} `json:"status"`
}

type condition struct {
	Type   string `json:"type"`
	Status string `json:"status"`
}

// taint keeps every field of a v1.Taint so that writing the list back
// preserves the taints we do not remove.
type taint struct {
	Key       string `json:"key"`
	Value     string `json:"value,omitempty"`
	Effect    string `json:"effect"`
	TimeAdded string `json:"timeAdded,omitempty"`
}

// createFakeNode creates a Node for kwok to manage. The API server keeps the
// status of a created Node; kwok's node-initialize Stage keeps the capacity
// it finds there (instead of its default of 1000 CPUs) and adds the
// conditions that make the Node Ready.
func (c *cluster) createFakeNode(name string) error {
	var n node
	n.APIVersion, n.Kind = "v1", "Node"
	n.Metadata.Name = name
	n.Metadata.Labels = map[string]string{
		"kubernetes.io/hostname": name,
		"kubernetes.io/os":       "linux",
		"kubernetes.io/arch":     "amd64",
		"type":                   "kwok",
	}
	n.Metadata.Annotations = map[string]string{fakeNodeAnnotation: "fake"}
	resources := map[string]string{"cpu": "32", "memory": "256Gi", "pods": "110"}
	n.Status.Capacity, n.Status.Allocatable = resources, resources
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	code, resp, err := c.request(http.MethodPost, "/api/v1/nodes", "application/json", body)
	if err != nil {
		return fmt.Errorf("create Node %s: %w", name, err)
	}
	if code != http.StatusCreated {
		return fmt.Errorf("create Node %s: HTTP %d: %s", name, code, resp)
	}
	return nil
}

// nodeSchedulable reports whether the Node is Ready without the not-ready
// taint, and removes that taint once kwok has made the Node Ready.
//
// The admission plugin TaintNodesByCondition puts
// node.kubernetes.io/not-ready:NoSchedule on every new Node, and only
// kube-controller-manager's node lifecycle controller would take it off. We
// remove it ourselves, once, rather than run that controller: it keeps
// judging the Node by kwok's heartbeats, so on a loaded 2-core machine, or
// while a test restarts kube-apiserver, it could mark the Node NotReady,
// taint it again and even evict running fits, which would make tests flaky
// for reasons that have nothing to do with the code under test. Nothing else
// adds the taint back.
func (c *cluster) nodeSchedulable(name string) bool {
	code, body, err := c.request(http.MethodGet, "/api/v1/nodes/"+name, "", nil)
	if err != nil || code != http.StatusOK {
		return false
	}
	var n node
	if err := json.Unmarshal(body, &n); err != nil {
		return false
	}
	if !slices.Contains(n.Status.Conditions, condition{"Ready", "True"}) {
		return false
	}
	kept := slices.DeleteFunc(slices.Clone(n.Spec.Taints), func(t taint) bool { return t.Key == notReadyTaint })
	if len(kept) == len(n.Spec.Taints) {
		return true
	}
	// The resourceVersion makes this a compare-and-swap: if kwok updated the
	// Node in between, the API server answers 409 and the next poll retries.
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": n.Metadata.ResourceVersion},
		"spec":     map[string]any{"taints": kept},
	})
	if err != nil {
		return false
	}
	code, _, err = c.request(http.MethodPatch, "/api/v1/nodes/"+name, "application/merge-patch+json", patch)
	return err == nil && code == http.StatusOK
}

// request sends one request to the API server as admin.
func (c *cluster) request(method, path, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, c.server+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}
