#!/usr/bin/env bash
# Checks, inside `localcluster --kueue run`, that Kueue admits queued Jobs
# against the quota of the sample queues (manifests/samples/kueue: 3 Pods at
# a time) and leaves every other Job alone:
#
#   bash hack/cluster/build.sh && .bin/localcluster --dir .cluster/kueue-e2e --kueue run -- hack/cluster/kueue-e2e.sh
#
# Eight suspended Jobs labelled with the LocalQueue, each running a Pod that
# never ends (image "hang"): exactly three are unsuspended and run on the
# kwok Node, five stay suspended with their Workloads pending, and when one
# admitted Job goes, one waiting Job takes its place. A suspended Job
# without the label stays suspended and gets no Workload; an unsuspended one
# runs to completion.
set -euo pipefail
: "${KUBECONFIG:?run me through localcluster --kueue}"
: "${LOCALCLUSTER_KUEUE:?run me through localcluster --kueue}"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

ns=default # the sample LocalQueue's
queue=fits
quota=3
jobs=8
failed=0

say() { echo "kueue-e2e: $*"; }
fail() {
	say "FAIL: $*"
	failed=1
}

# expect WHAT GOT WANT
expect() {
	if [[ "$2" == "$3" ]]; then
		say "ok: $1 = $3"
	else
		fail "$1 = '$2', want '$3'"
	fi
}

# job NAME SUSPEND IMAGE [LABELS-YAML]
job() {
	kubectl -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: $1
  labels: {app.kubernetes.io/part-of: kueue-e2e${4:+, $4}}
spec:
  suspend: $2
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: fit
        image: $3
EOF
}

# queued SUSPEND: how many of the queued Jobs have spec.suspend == SUSPEND.
queued() {
	kubectl -n "$ns" get jobs -l "kueue.x-k8s.io/queue-name=$queue" -o json |
		jq --argjson s "$1" '[.items[] | select(.spec.suspend == $s)] | length'
}

# workloads STATUS: how many Workloads have QuotaReserved == STATUS.
workloads() {
	kubectl -n "$ns" get workloads -o json |
		jq --arg s "$1" '[.items[] | select(any(.status.conditions[]?; .type == "QuotaReserved" and .status == $s))] | length'
}

# settled: wait until exactly $quota queued Jobs run, then check that it
# stays so for 5 s (Kueue admits one Workload after another, so a count
# taken too early could be short, and one too many would show later).
settled() {
	local deadline=$((SECONDS + 60))
	until [[ $(queued false) -ge $quota ]]; do
		if ((SECONDS > deadline)); then
			fail "only $(queued false) queued Jobs unsuspended after 60 s, want $quota"
			return 1
		fi
		sleep 0.5
	done
	sleep 5
}

kubectl apply -k "$root/manifests/samples/kueue" >/dev/null
kubectl wait --for=condition=Active clusterqueue/"$queue" --timeout=60s >/dev/null
kubectl -n "$ns" wait --for=condition=Active localqueue/"$queue" --timeout=60s >/dev/null
say "ok: ClusterQueue and LocalQueue $queue Active"

start=$SECONDS
for i in $(seq 1 "$jobs"); do
	job "queued-$i" true example.com/fit:hang "kueue.x-k8s.io/queue-name: $queue"
done
job unqueued-suspended true example.com/fit:hang
job unqueued false example.com/fit:v1

if settled; then
	say "$quota admitted after $((SECONDS - start - 5)) s"
	expect "queued Jobs unsuspended" "$(queued false)" "$quota"
	expect "queued Jobs suspended" "$(queued true)" $((jobs - quota))
	expect "Workloads with quota reserved" "$(workloads True)" "$quota"
	expect "Workloads pending" "$(workloads False)" $((jobs - quota))
	expect "Workloads admitted" "$(kubectl -n "$ns" get workloads -o json |
		jq '[.items[] | select(any(.status.conditions[]?; .type == "Admitted" and .status == "True"))] | length')" "$quota"
	expect "queued Jobs' Pods Running on kwok-node-0" "$(kubectl -n "$ns" get pods -o json |
		jq '[.items[] | select(any(.metadata.ownerReferences[]?; .name | startswith("queued-")) and .status.phase == "Running" and .spec.nodeName == "kwok-node-0")] | length')" "$quota"
	say "a pending Workload says: $(kubectl -n "$ns" get workloads -o json |
		jq -r '[.items[].status.conditions[]? | select(.type == "QuotaReserved" and .status == "False") | .message][0]')"

	# One admitted Job goes; its quota goes to one that waited.
	gone=$(kubectl -n "$ns" get jobs -l "kueue.x-k8s.io/queue-name=$queue" -o json |
		jq -r '[.items[] | select(.spec.suspend == false) | .metadata.name][0]')
	kubectl -n "$ns" delete job "$gone" --cascade=foreground --timeout=60s >/dev/null
	if settled; then
		expect "queued Jobs unsuspended after $gone went" "$(queued false)" "$quota"
		expect "queued Jobs suspended after $gone went" "$(queued true)" $((jobs - quota - 1))
	fi
fi

if kubectl -n "$ns" wait --for=condition=Complete job/unqueued --timeout=60s >/dev/null; then
	say "ok: Job unqueued Complete"
else
	fail "Job unqueued not Complete"
fi
expect "Job unqueued-suspended suspended" "$(kubectl -n "$ns" get job unqueued-suspended -o 'jsonpath={.spec.suspend}')" true
expect "Workloads for the unqueued Jobs" "$(kubectl -n "$ns" get workloads -o json |
	jq '[.items[] | select(any(.metadata.ownerReferences[]?; .name | startswith("unqueued")))] | length')" 0

kubectl -n "$ns" delete jobs -l app.kubernetes.io/part-of=kueue-e2e --cascade=foreground --timeout=60s >/dev/null

if ((failed)); then
	say "FAILED"
	exit 1
fi
say "PASS"
