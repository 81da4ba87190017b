#!/usr/bin/env bash
# Fails when the committed generated code or CRD differ from what
# hack/update-codegen.sh produces from the current API types.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${ROOT}"

GENERATED=(pkg/apis pkg/generated manifests/crd)
SNAPSHOT=$(mktemp -d)
trap 'rm -rf "${SNAPSHOT}"' EXIT

for dir in "${GENERATED[@]}"; do
    mkdir -p "${SNAPSHOT}/$(dirname "${dir}")"
    cp -a "${dir}" "${SNAPSHOT}/${dir}"
done

"${ROOT}/hack/update-codegen.sh" >/dev/null

stale=0
for dir in "${GENERATED[@]}"; do
    if ! diff -ruN "${SNAPSHOT}/${dir}" "${dir}"; then
        stale=1
    fi
done

if [ "${stale}" -ne 0 ]; then
    # Put the tree back as it was, so verifying never edits the work tree.
    for dir in "${GENERATED[@]}"; do
        rm -rf "${dir}"
        cp -a "${SNAPSHOT}/${dir}" "${dir}"
    done
    echo "generated code is stale: run hack/update-codegen.sh (make generate)" >&2
    exit 1
fi
echo "generated code is up to date"
