#!/usr/bin/env bash
# Regenerates everything derived from pkg/apis: deep-copy and registration
# functions, the typed clientset, listers and informers (k8s.io/code-generator)
# and the CRD schema (controller-gen). The generators are pinned in
# hack/tools/go.mod so that they never enter the product's module graph.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${ROOT}"

MODULE=github.com/intelligent-hpa/fittingjob-controller
BOILERPLATE="${ROOT}/hack/boilerplate.go.txt"
TOOLS_BIN="${ROOT}/.bin/tools"

# `go list -m` prints an empty Dir until the module is in the module cache,
# so download it first (a no-op when it is already there).
CODEGEN_ROOT=$(cd "${ROOT}/hack/tools" && go mod download k8s.io/code-generator &&
    go list -m -f '{{.Dir}}' k8s.io/code-generator)
if [ ! -f "${CODEGEN_ROOT}/kube_codegen.sh" ]; then
    echo "update-codegen.sh: k8s.io/code-generator not found (got '${CODEGEN_ROOT}')" >&2
    exit 1
fi
# kube_codegen.sh installs its generators into GOBIN.
export GOBIN="${TOOLS_BIN}"
mkdir -p "${GOBIN}"
# shellcheck source=/dev/null
source "${CODEGEN_ROOT}/kube_codegen.sh"

kube::codegen::gen_helpers --boilerplate "${BOILERPLATE}" "${ROOT}/pkg/apis"
kube::codegen::gen_register --boilerplate "${BOILERPLATE}" "${ROOT}/pkg/apis"
kube::codegen::gen_client \
    --with-watch \
    --output-dir "${ROOT}/pkg/generated" \
    --output-pkg "${MODULE}/pkg/generated" \
    --boilerplate "${BOILERPLATE}" \
    "${ROOT}/pkg/apis"

(cd "${ROOT}/hack/tools" && go build -o "${TOOLS_BIN}/controller-gen" sigs.k8s.io/controller-tools/cmd/controller-gen)
"${TOOLS_BIN}/controller-gen" crd:crdVersions=v1 paths=./pkg/apis/... output:crd:dir=./manifests/crd
