#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok,
# the localcluster launcher and Kueue into $1 (default: <repo>/.bin), saying
# which one it builds and how long each took. Kueue comes from a module of its
# own, hack/kueue, and brings its CRDs along into $1/kueue-crds/, which
# `localcluster --kueue` applies.
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

kueue_module="$repo/hack/kueue"

cd "$here"

# inputs CMD: the files CMD is built from, NUL-separated: this script
# (flags), its module's go.mod/go.sum (dependencies) and, for the commands of
# this module, every file of the command's own directory (localcluster embeds
# its kwok Stages) and any shared .go file outside cmd/. kwok and kueue have
# no directory here: they are built from the module cache, pinned by a `tool`
# line (kwok's in this module's go.mod, Kueue's in hack/kueue/go.mod).
inputs() {
	if [[ $1 == kueue ]]; then
		printf '%s\0' build.sh "$kueue_module/go.mod" "$kueue_module/go.sum"
		return
	fi
	printf '%s\0' build.sh go.mod go.sum
	find . -type f \( -path "./cmd/$1/*" -o \( -name '*.go' -not -path './cmd/*' \) \) -print0
}

# fresh BIN CMD: BIN exists and is newer than everything CMD is built from
# (and Kueue's CRDs are there).
fresh() {
	local bin="$1" cmd="$2" f
	[[ -x "$bin" ]] || return 1
	[[ $cmd != kueue || -d "$out/kueue-crds" ]] || return 1
	while IFS= read -r -d '' f; do
		[[ "$bin" -nt "$f" ]] || return 1
	done < <(inputs "$cmd")
}

# build_kueue: $out/kueue-crds/ from the Kueue module's CRD bases, then
# $out/kueue (the binary last, so that it is only fresh with its CRDs).
#
# Kueue v0.17.0 reads a metrics serving certificate from the fixed path
# /etc/kueue/metrics/certs whenever its internal certificate management is
# off, even when its metrics server is off too, and exits when the file is
# missing. localcluster runs it with both off (Kueue's own certificate
# management needs a kubelet to mount its Secret) and must not write to
# /etc, so this build adds "and the metrics are served" to that one
# condition. Go refuses overlays of files in the module cache, so the
# patched copy of Kueue's main.go is built as a package of hack/kueue that
# exists only in the overlay (nothing is written into the tree); it fails if
# the line is not found, as it would be in another version.
build_kueue() (
	cd "$kueue_module"
	go mod download sigs.k8s.io/kueue # a fresh module cache has no source to copy yet
	local src version main tmp
	src=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kueue)
	version=$(go list -m -f '{{.Version}}' sigs.k8s.io/kueue)

	rm -rf "$out/kueue-crds"
	mkdir -p "$out/kueue-crds"
	install -m 0644 "$src"/config/components/crd/bases/*.yaml "$out/kueue-crds/"

	local unpatched='	if cfg.InternalCertManagement == nil || !*cfg.InternalCertManagement.Enable {
		metricsCertPath := "/etc/kueue/metrics/certs"'
	local patched='	if (cfg.InternalCertManagement == nil || !*cfg.InternalCertManagement.Enable) && cfg.Metrics.BindAddress != "0" {
		metricsCertPath := "/etc/kueue/metrics/certs"'
	main=$(<"$src/cmd/kueue/main.go")
	if [[ $main != *"$unpatched"* ]]; then
		echo "build.sh: $src/cmd/kueue/main.go no longer reads the metrics certificate as build.sh expects; revisit build_kueue" >&2
		return 1
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	printf '%s\n' "${main/"$unpatched"/"$patched"}" >"$tmp/main.go"
	printf '{"Replace": {"%s": "%s"}}\n' "$kueue_module/cmd/kueue/main.go" "$tmp/main.go" >"$tmp/overlay.json"
	go build -trimpath -overlay "$tmp/overlay.json" \
		-ldflags "-X sigs.k8s.io/kueue/pkg/version.GitVersion=$version" \
		-o "$out/kueue" ./cmd/kueue
)

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
for cmd in etcd kube-apiserver kube-controller-manager kube-scheduler kwok localcluster kueue; do
	if fresh "$out/$cmd" "$cmd"; then
		echo "build.sh: $cmd is up to date"
		continue
	fi
	echo "build.sh: building $cmd"
	t=$SECONDS
	case $cmd in
	kueue) build_kueue ;;
	kwok) go build -trimpath -ldflags "$ldflags" -o "$out/$cmd" sigs.k8s.io/kwok/cmd/kwok ;;
	*) go build -trimpath -ldflags "$ldflags" -o "$out/$cmd" "./cmd/$cmd" ;;
	esac
	echo "build.sh: $cmd built in $(duration $((SECONDS - t)))"
	built=$((built + 1))
done
if ((built > 1)); then
	echo "build.sh: $built components built in $(duration $((SECONDS - started)))"
fi
