#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and the localcluster
# launcher into $1 (default: <repo>/.bin).
#
# `go build -o` reuses Go's build cache, so a rebuild after a cache-warm run
# only relinks; on top of that each binary is skipped entirely while it is
# newer than go.sum and every .go file in this module, so a no-op run is
# nearly free (linking kube-apiserver alone costs tens of seconds here).
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
# Newest input: go.sum covers dependency changes, the .go files our own code.
inputs=(go.mod go.sum)
while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find . -name '*.go' -print0)

fresh() { # fresh BIN: true if BIN exists and is newer than every input
	local bin="$1" f
	[[ -x "$bin" ]] || return 1
	for f in "${inputs[@]}"; do
		[[ "$bin" -nt "$f" ]] || return 1
	done
}

for cmd in etcd kube-apiserver kube-controller-manager localcluster; do
	if fresh "$out/$cmd"; then
		echo "build.sh: $cmd up to date"
		continue
	fi
	echo "build.sh: building $cmd"
	go build -trimpath -ldflags "$ldflags" -o "$out/$cmd" "./cmd/$cmd"
done
