#!/usr/bin/env bash
# Runs inside `localcluster run` (make integration-test): installs
# manifests/ (CRD, RBAC, Deployment) on the local control plane the way a
# platform team would, then runs the integration tests against it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${KUBECONFIG:?run me through localcluster (make integration-test)}"

kubectl apply -k "${root}/manifests"
kubectl wait --for condition=Established crd/fittingjobs.ihpa.ake.cyberagent.co.jp --timeout=60s
cd "${root}"
exec go test -tags integration -count=1 -timeout 30m "$@" ./pkg/integration/...
