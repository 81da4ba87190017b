#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and the localcluster
# launcher into $1 (default: <repo>/.bin).
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
# this script (flags), go.mod/go.sum (dependencies), the command's own
# sources and any shared .go file outside cmd/.
fresh() {
	local bin="$1" cmd="$2" f
	[[ -x "$bin" ]] || return 1
	for f in build.sh go.mod go.sum; do
		[[ "$bin" -nt "$f" ]] || return 1
	done
	while IFS= read -r -d '' f; do
		[[ "$bin" -nt "$f" ]] || return 1
	done < <(find . -name '*.go' \( -path "./cmd/$cmd/*" -o -not -path './cmd/*' \) -print0)
}

for cmd in etcd kube-apiserver kube-controller-manager localcluster; do
	if fresh "$out/$cmd" "$cmd"; then
		echo "build.sh: $cmd is up to date"
		continue
	fi
	echo "build.sh: building $cmd"
	go build -trimpath -ldflags "$ldflags" -o "$out/$cmd" "./cmd/$cmd"
done
