#!/usr/bin/env bash
# Runs inside `localcluster run` (make run): installs manifests/ and the
# samples on the local control plane, then runs the controller in the
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

cat <<MSG

The controller runs below as system:serviceaccount:fittingjob-system:fittingjob-controller.
In another terminal, look at what it made:

  KUBECONFIG=${KUBECONFIG} kubectl get fj,cm,cronjob

Ctrl-C stops the controller and the local control plane.

MSG

exec "${controller}" --kubeconfig "${LOCALCLUSTER_DIR}/controller.kubeconfig" \
    --health-probe-bind-address 127.0.0.1:0 -v=1
