#!/usr/bin/env bash
# bundles.sh OUTPUT_DIR IMAGE: renders the install bundles a release
# attaches, with plain kubectl kustomize, into OUTPUT_DIR:
#   crds.yaml               the FittingJob API (manifests/crd/): the CRD and
#                           the aggregated and metrics-reader ClusterRoles
#   install.yaml            the cluster-wide install (manifests/), API included
#   install-namespaced.yaml the one-namespace install (manifests/namespaced/,
#                           in namespace fittingjob-team; the API comes from
#                           crds.yaml, applied once by a cluster admin)
# Both installs deploy IMAGE. make release calls it with the release's
# image; hack/integration.sh applies each bundle with a server-side dry run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="${1:?usage: bundles.sh OUTPUT_DIR IMAGE}"
image="${2:?usage: bundles.sh OUTPUT_DIR IMAGE}"
mkdir -p "${out}"
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT

# render NAME BASE: BASE (relative to manifests/) with its image replaced.
render() {
    local dir="${work}/$1"
    mkdir -p "${dir}"
    cat >"${dir}/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- $(realpath --relative-to="${dir}" "${root}/manifests/$2")
images:
- name: ghcr.io/intelligent-hpa/fittingjob-controller
  newName: ${image%:*}
  newTag: ${image##*:}
YAML
    kubectl kustomize "${dir}"
}

kubectl kustomize "${root}/manifests/crd" >"${out}/crds.yaml"
render install . >"${out}/install.yaml"
render install-namespaced namespaced >"${out}/install-namespaced.yaml"
for f in crds.yaml install.yaml install-namespaced.yaml; do
    grep -q '^kind: ' "${out}/${f}" || { echo "bundles.sh: ${f} renders no object" >&2; exit 1; }
done
if grep -h '^\s*image: ' "${out}/install.yaml" "${out}/install-namespaced.yaml" | grep -vqF "image: ${image}"; then
    echo "bundles.sh: an install deploys another image than ${image}" >&2
    exit 1
fi
echo "wrote ${out}: crds.yaml install.yaml install-namespaced.yaml (image ${image})"
