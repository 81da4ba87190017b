#!/usr/bin/env bash
# make run-smoke: `make run` as a user runs it, without a terminal. It starts
# `make run`, waits until every sample FittingJob is Ready, checks that the
# metrics endpoint needs a token, runs one fit
# from a sample's CronJob and waits for it to succeed (kwok plays the
# fitting Pod), then presses
# Ctrl-C (SIGINT to the process group, as a terminal does) and fails if
# make does not stop in time or if any process of the control plane or of
# the controller is left behind.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="${root}/.bin"
dir="${root}/.cluster/run" # make run's state directory
ready_timeout=${SMOKE_READY_TIMEOUT:-180}
stop_timeout=${SMOKE_STOP_TIMEOUT:-60}
log=$(mktemp)
trap 'rm -f "${log}"' EXIT

fail() {
    echo "run-smoke: FAIL: $*" >&2
    echo "run-smoke: last lines of make run:" >&2
    tail -n 40 "${log}" >&2
    # A failure must not leave make run behind: Ctrl-C, as below.
    if [ -n "${make_pid:-}" ] && kill -0 "${make_pid}" 2>/dev/null; then
        kill -INT -- "-${make_pid}" 2>/dev/null || true
        local waited=0
        while kill -0 "${make_pid}" 2>/dev/null && [ "${waited}" -lt "${stop_timeout}" ]; do
            sleep 1
            waited=$((waited + 1))
        done
    fi
    exit 1
}

# leftovers prints every process running a binary from .bin or naming the
# run's state directory on its command line.
leftovers() {
    local p exe
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = "$$" ] && continue
        exe=$(readlink "${p}/exe" 2>/dev/null) || continue
        if [[ "${exe}" == "${bin}/"* ]] || tr '\0' ' ' <"${p}/cmdline" 2>/dev/null | grep -qF "${dir}/"; then
            echo "${p#/proc/} $(tr '\0' ' ' <"${p}/cmdline")"
        fi
    done
}

if [ -n "$(leftovers)" ]; then
    echo "run-smoke: processes of an earlier run are still there; stop them first:" >&2
    leftovers >&2
    exit 1
fi

# Job control gives `make run` a process group of its own, as a shell does
# for a foreground command, so that SIGINT reaches it as Ctrl-C would.
set -m
make -C "${root}" --no-print-directory run >"${log}" 2>&1 </dev/null &
make_pid=$!
set +m
started=$(date +%s)
echo "run-smoke: make run started (pid ${make_pid}); waiting for the samples to be Ready"

export KUBECONFIG="${dir}/kubeconfig"
want=$(kubectl kustomize "${root}/manifests/samples" | grep -c '^kind: FittingJob$')
ready=0
while [ $(( $(date +%s) - started )) -lt "${ready_timeout}" ]; do
    kill -0 "${make_pid}" 2>/dev/null || fail "make run exited before the samples were Ready"
    if [ -f "${KUBECONFIG}" ]; then
        ready=$(kubectl get fittingjobs -A -o json 2>/dev/null |
            jq '[.items[] | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))] | length' 2>/dev/null) || ready=0
        [ "${ready}" -ge "${want}" ] && break
    fi
    sleep 1
done
[ "${ready}" -ge "${want}" ] || fail "${ready} of ${want} sample FittingJobs Ready after ${ready_timeout}s"
echo "run-smoke: ${want} of ${want} samples Ready after $(( $(date +%s) - started ))s"
kubectl get fittingjobs -A --no-headers 2>/dev/null | sed 's/^/  /'

# The metrics endpoint, as make run serves it (hack/run.sh): anonymous
# requests refused, the metrics reader's token served. openssl is the HTTPS
# client (curl is not on every machine); HTTP/1.0, so the body is not
# chunked.
metrics=127.0.0.1:8443
get_metrics() { # [TOKEN]: the response to GET /metrics
    {
        printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n'
        [ -z "${1:-}" ] || printf 'Authorization: Bearer %s\r\n' "$1"
        printf '\r\n'
    } | openssl s_client -quiet -connect "${metrics}" 2>/dev/null
}
out=$(get_metrics)
grep -q '^HTTP/1.0 401 ' <<<"${out}" || fail "an anonymous GET https://${metrics}/metrics: $(head -1 <<<"${out}"), want 401"
token=$(kubectl -n fittingjob-system create token metrics-reader) || fail "no token for ServiceAccount metrics-reader"
out=$(get_metrics "${token}")
grep -q '^HTTP/1.0 200 ' <<<"${out}" || fail "GET https://${metrics}/metrics as the metrics reader: $(head -1 <<<"${out}"), want 200"
grep -q '^fittingjob_controller_build_info{' <<<"${out}" || fail "https://${metrics}/metrics has no fittingjob_controller_build_info"
echo "run-smoke: https://${metrics}/metrics refuses anonymous requests (401) and serves the metrics reader"

fit=fittingjob # the original project's sample, in default
kubectl create job --from="cronjob/${fit}" smoke-fit >/dev/null
kubectl wait --for=condition=Complete job/smoke-fit --timeout="${ready_timeout}s" >/dev/null ||
    fail "the fit started from cronjob/${fit} did not complete: $(kubectl get job smoke-fit -o jsonpath='{.status}')"
echo "run-smoke: a fit from cronjob/${fit} succeeded"
# The controller follows the run: the FittingJob reports it and is fresh.
kubectl wait "fittingjob/${fit}" --for=jsonpath='{.status.lastRun.outcome}'=Succeeded --timeout=60s >/dev/null &&
    kubectl wait "fittingjob/${fit}" --for=condition=ForecastFresh --timeout=60s >/dev/null ||
    fail "fittingjob/${fit} does not report the fit: $(kubectl get fittingjob "${fit}" -o jsonpath='{.status}')"
echo "run-smoke: fittingjob/${fit} reports the run: lastRun Succeeded, ForecastFresh True"

echo "run-smoke: pressing Ctrl-C"
kill -INT -- "-${make_pid}"
stopping=$(date +%s)
while kill -0 "${make_pid}" 2>/dev/null; do
    [ $(( $(date +%s) - stopping )) -lt "${stop_timeout}" ] || fail "make run still running ${stop_timeout}s after SIGINT"
    sleep 0.2
done
wait "${make_pid}" || true
# Reaping is asynchronous: give orphans a moment to go before judging.
sleep 1
left=$(leftovers)
[ -z "${left}" ] || fail "processes left behind after Ctrl-C:
${left}"
echo "run-smoke: make run stopped $(( $(date +%s) - stopping ))s after Ctrl-C, nothing left behind"
