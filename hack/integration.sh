#!/usr/bin/env bash
# Runs inside `localcluster run` (make integration-test): installs
# manifests/ (CRD, RBAC, Deployment) on the local control plane the way a
# platform team would, then runs the integration tests against it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${KUBECONFIG:?run me through localcluster (make integration-test)}"

kubectl apply -k "${root}/manifests"
# The namespace-scoped variant, for teams without cluster-wide rights.
kubectl create namespace fittingjob-team --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -k "${root}/manifests/namespaced"
kubectl wait --for condition=Established crd/fittingjobs.ihpa.ake.cyberagent.co.jp --timeout=60s

# The bundles a release attaches (make release) apply as they are: the API
# server accepts each with a server-side dry run.
bundles=$(mktemp -d)
trap 'rm -rf "${bundles}"' EXIT
"${root}/hack/bundles.sh" "${bundles}" ghcr.io/intelligent-hpa/fittingjob-controller:v0.0.0-test
for bundle in crds.yaml install.yaml install-namespaced.yaml; do
    kubectl apply --server-side --force-conflicts --dry-run=server -f "${bundles}/${bundle}" >/dev/null
    echo "integration.sh: ${bundle} applies (server-side dry run)"
done
cd "${root}"
go test -tags integration -count=1 -timeout 30m "$@" ./pkg/integration/...
