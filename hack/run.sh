#!/usr/bin/env bash
# Runs inside `localcluster run` (make run): installs manifests/ and the
# samples on the local control plane (and the sample Kueue queues when
# localcluster runs Kueue: make run KUEUE=1), then runs the controller in the
# foreground as its own ServiceAccount, so that the shipped RBAC is what it
# gets. Ctrl-C stops the controller; localcluster then stops the control
# plane.
set -euo pipefail

controller="$1"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${KUBECONFIG:?run me through localcluster (make run)}"
: "${LOCALCLUSTER_DIR:?run me through localcluster (make run)}"

# The Deployment is applied too, to show that it is accepted; this control
# plane has no kubelet, so it never runs a Pod.
kubectl apply -k "${root}/manifests" >/dev/null
kubectl wait --for condition=Established crd/fittingjobs.ihpa.ake.cyberagent.co.jp --timeout=60s >/dev/null
kubectl apply -k "${root}/manifests/samples"
if [ "${LOCALCLUSTER_KUEUE:-}" = 1 ]; then
    kubectl apply -k "${root}/manifests/samples/kueue"
fi

# The metrics endpoint as installed: HTTPS, for callers the API server
# authenticates and authorizes. A ServiceAccount bound to the shipped
# reader role stands in for Prometheus (manifests/README.md, "Metrics
# endpoint").
metrics_address=127.0.0.1:8443 # hack/run-smoke.sh scrapes it
kubectl -n fittingjob-system create serviceaccount metrics-reader --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl create clusterrolebinding fittingjob-controller-metrics-reader --clusterrole=fittingjob-controller-metrics-reader \
    --serviceaccount=fittingjob-system:metrics-reader --dry-run=client -o yaml | kubectl apply -f - >/dev/null

kueue_note=""
if [ "${LOCALCLUSTER_KUEUE:-}" = 1 ]; then
    kueue_note="

Kueue runs too (log: ${LOCALCLUSTER_DIR}/logs/kueue.log). A Job created suspended with
the label kueue.x-k8s.io/queue-name=fits in the namespace default waits for its turn:

  KUBECONFIG=${KUBECONFIG} kubectl get clusterqueue,localqueue,workloads -A"
fi

cat <<MSG

The controller runs below as system:serviceaccount:fittingjob-system:fittingjob-controller.
In another terminal, look at what it made:

  KUBECONFIG=${KUBECONFIG} kubectl get fj,cm,cronjob

and read its metrics (self-signed certificate, hence -k) as a ServiceAccount
bound to the metrics reader role:

  curl -k -H "Authorization: Bearer \$(KUBECONFIG=${KUBECONFIG} kubectl -n fittingjob-system create token metrics-reader)" https://${metrics_address}/metrics${kueue_note}

Ctrl-C stops the controller and the local control plane.

MSG

exec "${controller}" --kubeconfig "${LOCALCLUSTER_DIR}/controller.kubeconfig" \
    --metrics-bind-address "${metrics_address}" --health-probe-bind-address 127.0.0.1:0 -v=1
