#!/usr/bin/env bash
# Renders every kustomization under manifests/ with plain `kubectl kustomize`
# (no standalone kustomize: users install with kubectl alone), every
# component on top of both installs, and the README's install overlay; and
# checks that every installed object carries the recommended labels, that
# the namespaced install creates nothing cluster-scoped, and that the
# controller's GOMEMLIMIT follows its memory limit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT

# A file, not a variable: failures are also recorded in subshells.
failed() { echo "verify-manifests: $*" >&2; touch "${work}/failed"; }

# render DIR: kubectl kustomize DIR, failing on an error or on no objects.
render() {
    local out
    if ! out=$(kubectl kustomize "$1" 2>&1); then
        failed "kubectl kustomize $1: ${out}"
        return 1
    fi
    if ! grep -q '^kind: ' <<<"${out}"; then
        failed "kubectl kustomize $1 renders no object"
        return 1
    fi
    printf '%s\n' "${out}"
}

# overlay NAME BODY: a kustomization in a scratch directory, whose paths
# (@MANIFESTS@) point back at manifests/. Kustomize refuses absolute paths
# to directories, so they are relative.
overlay() {
    mkdir -p "${work}/$1"
    local rel
    rel=$(realpath --relative-to="${work}/$1" "${root}/manifests")
    printf '%s\n' "${2//@MANIFESTS@/${rel}}" >"${work}/$1/kustomization.yaml"
    echo "${work}/$1"
}

# objects: "kind/name namespace part-of managed-by name" for each object on stdin.
objects() {
    kubectl label --local -f - verify-manifests=x -o jsonpath='{.kind}/{.metadata.name} {.metadata.namespace}|{.metadata.labels.app\.kubernetes\.io/part-of}|{.metadata.labels.app\.kubernetes\.io/managed-by}|{.metadata.labels.app\.kubernetes\.io/name}|{.metadata.labels.app\.kubernetes\.io/component}{"\n"}'
}

# 1. Every kustomization renders on its own (a component may render
# nothing alone: it may only patch).
count=0
while IFS= read -r file; do
    dir=$(dirname "${file}")
    if grep -q '^kind: Component' "${file}"; then
        kubectl kustomize "${dir}" >/dev/null || failed "kubectl kustomize ${dir} fails"
    else
        render "${dir}" >/dev/null || true
    fi
    count=$((count + 1))
done < <(find manifests -name kustomization.yaml | sort)
echo "rendered ${count} kustomizations under manifests/"

# enabled INSTALL COMPONENT: renders a copy of manifests/ in which INSTALL
# (manifests or manifests/namespaced) enables COMPONENT as its comments say.
enabled() {
    local copy="${work}/enabled-${1//\//-}-$2" prefix=""
    rm -rf "${copy}"
    cp -r manifests "${copy}"
    [ "$1" = manifests ] || prefix="../"
    printf 'components:\n- %scomponents/%s\n' "${prefix}" "$2" >>"${copy}${1#manifests}/kustomization.yaml"
    render "${copy}${1#manifests}"
}

# 2. Each component enabled in each install: it changes the rendering, and
# the objects it adds land in the install's namespace and carry the
# recommended labels (3).
for install in manifests manifests/namespaced; do
    base=$(render "${install}") || continue
    ns=$(objects <<<"${base}" | awk '$1 ~ /^Deployment\// {print $2}' | cut -d'|' -f1)
    for component in manifests/components/*/; do
        name=$(basename "${component}")
        out=$(enabled "${install}" "${name}") || continue
        [ "${out}" != "${base}" ] || failed "component ${name} changes nothing in ${install}"
        while read -r obj rest; do
            case "${obj}" in
            Service/* | ServiceMonitor/* | PrometheusRule/* | NetworkPolicy/* | ConfigMap/fittingjob-controller-dashboard)
                [ "${rest%%|*}" = "${ns}" ] || failed "${install} + ${name}: ${obj} in namespace '${rest%%|*}', want ${ns}"
                ;;
            esac
        done < <(objects <<<"${out}")
    done
done

# 3. The recommended labels on every object of both installs with each
# component, and of an overlay that adds monitoring to manifests/.
labelled() {
    while IFS='|' read -r obj partof managedby name component; do
        [ "${partof}" = intelligent-hpa ] || failed "$1: ${obj} has no app.kubernetes.io/part-of=intelligent-hpa"
        [ "${managedby}" = kustomize ] || failed "$1: ${obj} has no app.kubernetes.io/managed-by=kustomize"
        [ "${name}" = fittingjob-controller ] || failed "$1: ${obj} has no app.kubernetes.io/name=fittingjob-controller"
        case "${obj}" in
        Namespace/*) ;;
        *) [ -n "${component}" ] || failed "$1: ${obj} has no app.kubernetes.io/component" ;;
        esac
    done
}
for install in manifests manifests/namespaced; do
    for component in manifests/components/*/; do
        name=$(basename "${component}")
        enabled "${install}" "${name}" | objects | labelled "${install} + ${name}"
    done
done
render manifests/crd | objects | labelled manifests/crd
dir=$(overlay monitoring-overlay "resources:
- @MANIFESTS@
components:
- @MANIFESTS@/components/monitoring")
render "${dir}" | objects | labelled "an overlay of manifests/ + monitoring"

# 3b. The namespaced install is for teams without cluster-wide rights: with
# any one component, it creates nothing cluster-scoped (the cluster admin's
# part, manifests/crd/, has the ClusterRoles it needs).
for component in manifests/components/*/; do
    name=$(basename "${component}")
    while IFS='|' read -r obj _; do
        case "${obj}" in
        ClusterRole/* | ClusterRoleBinding/* | CustomResourceDefinition/* | Namespace/*)
            failed "manifests/namespaced + ${name}: ${obj%% *} is cluster-scoped"
            ;;
        esac
    done < <(enabled manifests/namespaced "${name}" | objects)
done

# 4. The README's install overlay, with its remote base pointed at this
# checkout: it must replace the image and need nothing but kubectl.
readme_overlay=$(awk '/<!-- install-overlay/ {on=1; next} on && /^```yaml/ {inblock=1; next} inblock && /^```/ {exit} inblock {print}' README.md)
if [ -z "${readme_overlay}" ]; then
    failed "README.md has no yaml block after <!-- install-overlay"
else
    body=$(sed -E 's#^- https://github.com/intelligent-hpa/fittingjob-controller//manifests.*#- @MANIFESTS@#' <<<"${readme_overlay}")
    grep -q '@MANIFESTS@' <<<"${body}" || failed "the README's install overlay does not include the repository's manifests/"
    dir=$(overlay readme-install "${body}")
    if out=$(render "${dir}"); then
        images=$(grep -E '^\s+image: ' <<<"${out}" | sort -u)
        if grep -q 'ghcr.io/intelligent-hpa/fittingjob-controller' <<<"${images}" || ! grep -q 'image: registry.example.com/fittingjob-controller:v0.1.0' <<<"${images}"; then
            failed "the README's install overlay does not replace the image: ${images}"
        fi
    fi
fi

# 5. In both installs, the controller's GOMEMLIMIT is set, at 80-95 % of
# its limits.memory (the Deployment's comment; manifests/README.md,
# "Sizing"), so that
# a change of one without the other fails here.
bytes() { # a quantity with Ki/Mi/Gi (Kubernetes) or KiB/MiB/GiB (Go), in bytes
    awk -v q="$1" 'BEGIN {
        n = q + 0; u = q; sub(/^[0-9.]+/, "", u); sub(/B$/, "", u)
        m[""] = 1; m["Ki"] = 2^10; m["Mi"] = 2^20; m["Gi"] = 2^30
        if (!(u in m) || n <= 0) exit 1
        printf "%d\n", n * m[u]
    }'
}
for install in manifests manifests/namespaced; do
    out=$(render "${install}") || continue
    read -r limit soft < <(kubectl label --local -f - verify-manifests=x -o jsonpath='{.kind} {.spec.template.spec.containers[0].resources.limits.memory} {.spec.template.spec.containers[0].env[?(@.name=="GOMEMLIMIT")].value}{"\n"}' <<<"${out}" |
        awk '$1 == "Deployment" {print $2, $3}')
    if ! limit_bytes=$(bytes "${limit:-}") || ! soft_bytes=$(bytes "${soft:-}"); then
        failed "${install}: the Deployment needs limits.memory and GOMEMLIMIT (got '${limit:-}' and '${soft:-}')"
    elif [ $((soft_bytes * 100)) -lt $((limit_bytes * 80)) ] || [ $((soft_bytes * 100)) -gt $((limit_bytes * 95)) ]; then
        failed "${install}: GOMEMLIMIT ${soft} is not 80-95 % of limits.memory ${limit}"
    fi
done

if [ -e "${work}/failed" ]; then
    exit 1
fi
echo "manifests render with kubectl kustomize, carry the recommended labels, the namespaced install creates nothing cluster-scoped, the README overlay replaces the image, and GOMEMLIMIT is 80-95 % of the memory limit"
