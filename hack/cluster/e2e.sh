#!/usr/bin/env bash
# Checks, inside `localcluster run`, that Jobs run on the fake Node with the
# outcomes promised by cmd/localcluster/kwok-stages.yaml:
#
#   bash hack/cluster/build.sh && .bin/localcluster --dir .cluster/e2e run -- hack/cluster/e2e.sh
#
# Every check waits for a state and fails (exit 1, naming the check) when it
# is not reached; "stays" checks look again after a few seconds.
set -euo pipefail
: "${KUBECONFIG:?run me through localcluster}"

ns=kwok-e2e
timeout=60s
failed=0

say() { echo "e2e: $*"; }
fail() {
	say "FAIL: $*"
	failed=1
}

# job NAME IMAGE [POD-SPEC-YAML]: a Job that never retries, so one Pod tells
# its outcome.
job() {
	kubectl -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: $1
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      ${3:-}
      containers:
      - name: fit
        image: $2
EOF
}

# pod JOB JSONPATH: the field of the Job's (only) Pod.
pod() { kubectl -n "$ns" get pod -l "batch.kubernetes.io/job-name=$1" -o "jsonpath={.items[0]$2}"; }

# expect WHAT GOT WANT
expect() {
	if [[ "$2" == "$3" ]]; then
		say "ok: $1 = $3"
	else
		fail "$1 = '$2', want '$3'"
	fi
}

# waitpod JOB JSONPATH VALUE: wait until the Job's Pod has VALUE at JSONPATH.
waitpod() {
	local deadline=$((SECONDS + 60))
	until [[ "$(pod "$1" "$2" 2>/dev/null)" == "$3" ]]; do
		if ((SECONDS > deadline)); then
			fail "$1: Pod $2 never became '$3' (is '$(pod "$1" "$2" 2>&1)')"
			return 1
		fi
		sleep 0.5
	done
}

expect "Node kwok-node-0 Ready" \
	"$(kubectl get node kwok-node-0 -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" True
expect "Node kwok-node-0 taints" "$(kubectl get node kwok-node-0 -o 'jsonpath={.spec.taints}')" ""

kubectl create namespace "$ns" >/dev/null
# kube-controller-manager creates the namespace's default ServiceAccount,
# without which the Jobs' Pods are refused.
until kubectl -n "$ns" get serviceaccount default >/dev/null 2>&1; do sleep 0.2; done

start=$SECONDS
job ok example.com/fit:v1
job fail example.com/fit:fail
job never-pulls example.com/fit:never-pulls
job hang example.com/fit:hang
job unschedulable example.com/fit:v1 'nodeSelector: {no-such: node}'

if kubectl -n "$ns" wait --for=condition=Complete job/ok --timeout="$timeout" >/dev/null; then
	say "ok: Job ok Complete after $((SECONDS - start))s"
	expect "ok: Pod phase" "$(pod ok .status.phase)" Succeeded
	expect "ok: exit code" "$(pod ok '.status.containerStatuses[0].state.terminated.exitCode')" 0
else
	fail "Job ok not Complete"
fi

if kubectl -n "$ns" wait --for=condition=Failed job/fail --timeout="$timeout" >/dev/null; then
	say "ok: Job fail Failed ($(kubectl -n "$ns" get job fail -o 'jsonpath={.status.conditions[?(@.type=="Failed")].reason}'))"
	expect "fail: Pod phase" "$(pod fail .status.phase)" Failed
	expect "fail: exit code" "$(pod fail '.status.containerStatuses[0].state.terminated.exitCode')" 1
	expect "fail: reason" "$(pod fail '.status.containerStatuses[0].state.terminated.reason')" Error
	expect "fail: message" "$(pod fail '.status.containerStatuses[0].state.terminated.message')" "fit failed (kwok)"
else
	fail "Job fail not Failed"
fi

if waitpod never-pulls '.status.containerStatuses[0].state.waiting.reason' ImagePullBackOff; then
	say "ok: never-pulls waiting ImagePullBackOff: $(pod never-pulls '.status.containerStatuses[0].state.waiting.message')"
fi

if waitpod hang .status.phase Running; then
	say "ok: hang Running"
fi

if waitpod unschedulable '.status.conditions[?(@.type=="PodScheduled")].reason' Unschedulable; then
	say "ok: unschedulable: $(pod unschedulable '.status.conditions[?(@.type=="PodScheduled")].message')"
	expect "unschedulable: PodScheduled" \
		"$(pod unschedulable '.status.conditions[?(@.type=="PodScheduled")].status')" False
fi

# The stuck ones must stay stuck, without kwok rewriting them over and over.
rv_pull=$(pod never-pulls .metadata.resourceVersion)
rv_hang=$(pod hang .metadata.resourceVersion)
sleep 5
expect "never-pulls: Pod phase after 5s" "$(pod never-pulls .status.phase)" Pending
expect "never-pulls: Pod unchanged after 5s" "$(pod never-pulls .metadata.resourceVersion)" "$rv_pull"
expect "hang: Pod phase after 5s" "$(pod hang .status.phase)" Running
expect "hang: Pod unchanged after 5s" "$(pod hang .metadata.resourceVersion)" "$rv_hang"
expect "hang: Job conditions after 5s" "$(kubectl -n "$ns" get job hang -o 'jsonpath={.status.conditions[*].type}')" ""

# kwok's pod-delete Stage stands in for the kubelet's final confirmation;
# without it the namespace would never go.
if kubectl delete namespace "$ns" --timeout="$timeout" >/dev/null; then
	say "ok: namespace $ns deleted with its Pods"
else
	fail "namespace $ns not deleted"
fi

if ((failed)); then
	say "FAILED"
	exit 1
fi
say "PASS"
