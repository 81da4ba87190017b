#!/usr/bin/env bash
# Runs inside `localcluster run` (make bench): installs the CRD and RBAC of
# manifests/ on the local control plane, then builds the benchmark in its
# own module (hack/bench; go build downloads what it needs) and runs it with
# the arguments given (make bench BENCH_ARGS="-n 200").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${KUBECONFIG:?run me through localcluster (make bench)}"
: "${LOCALCLUSTER_DIR:?run me through localcluster (make bench)}"

kubectl apply -k "${root}/manifests" >/dev/null
kubectl wait --for condition=Established crd/fittingjobs.ihpa.ake.cyberagent.co.jp --timeout=60s >/dev/null

mkdir -p "${LOCALCLUSTER_DIR}/bench"
(cd "${root}/hack/bench" && go build -o "${LOCALCLUSTER_DIR}/bench/bench" .)
cd "${root}"
# exec, so that localcluster's SIGTERM reaches the benchmark, which then
# stops the controller it started.
exec "${LOCALCLUSTER_DIR}/bench/bench" "$@"
