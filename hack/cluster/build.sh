#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok
# and the localcluster launcher into $1 (default: <repo>/.bin), saying which
# one it builds and how long each took.
#
# `go build -o` reuses Go's build cache, so after a code change only the
# affected packages compile and the binary relinks. A binary newer than all
# of its inputs is not even relinked (linking kube-apiserver alone takes tens
# of seconds here), which makes a no-op run nearly free.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/.bin}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# Without these the servers report v0.0.0-master, which kubectl cannot parse.
ldflags="-X k8s.io/component-base/version.gitVersion=v1.37.2
 -X k8s.io/component-base/version.gitMajor=1
 -X k8s.io/component-base/version.gitMinor=37
 -X k8s.io/component-base/version.gitTreeState=clean"

cd "$here"

# fresh BIN CMD: BIN exists and is newer than everything CMD is built from:
# this script (flags), go.mod/go.sum (dependencies), every file of the
# command's own directory (localcluster embeds its kwok Stages) and any
# shared .go file outside cmd/. kwok has no directory here: it is built from
# the module cache, pinned by go.mod's `tool` line.
fresh() {
	local bin="$1" cmd="$2" f
	[[ -x "$bin" ]] || return 1
	for f in build.sh go.mod go.sum; do
		[[ "$bin" -nt "$f" ]] || return 1
	done
	while IFS= read -r -d '' f; do
		[[ "$bin" -nt "$f" ]] || return 1
	done < <(find . -type f \( -path "./cmd/$cmd/*" -o \( -name '*.go' -not -path './cmd/*' \) \) -print0)
}

# 4m12s, 37s
duration() {
	local s=$1
	if ((s >= 60)); then
		printf '%dm%02ds' $((s / 60)) $((s % 60))
	else
		printf '%ds' "$s"
	fi
}

# The first build compiles the Kubernetes tree for tens of minutes; say
# what is going on and how long each part took.
started=$SECONDS
built=0
for cmd in etcd kube-apiserver kube-controller-manager kube-scheduler kwok localcluster; do
	if fresh "$out/$cmd" "$cmd"; then
		echo "build.sh: $cmd is up to date"
		continue
	fi
	pkg="./cmd/$cmd"
	[[ $cmd == kwok ]] && pkg=sigs.k8s.io/kwok/cmd/kwok
	echo "build.sh: building $cmd"
	t=$SECONDS
	go build -trimpath -ldflags "$ldflags" -o "$out/$cmd" "$pkg"
	echo "build.sh: $cmd built in $(duration $((SECONDS - t)))"
	built=$((built + 1))
done
if ((built > 1)); then
	echo "build.sh: $built components built in $(duration $((SECONDS - started)))"
fi
