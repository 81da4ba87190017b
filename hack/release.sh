#!/usr/bin/env bash
# make release: cross-builds kubectl-fittingjob for the platforms of the
# krew manifest (hack/krew/fittingjob.yaml) into archives in $1
# (.bin/release), writes their sha256 checksums to checksums.txt, and the
# krew manifest with the version, URLs and checksums filled in.
#
# It also renders the install bundles (hack/bundles.sh): crds.yaml,
# install.yaml and install-namespaced.yaml, deploying IMAGE.
#
# Environment (the Makefile sets it): VERSION, LDFLAGS (the version stamp),
# RELEASE_URL (where the archives will be downloaded from), IMAGE (the
# controller image the bundles deploy), GO.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="${1:?usage: release.sh OUTPUT_DIR}"
: "${VERSION:?}" "${LDFLAGS:?}" "${RELEASE_URL:?}" "${IMAGE:?}"
GO="${GO:-go}"
platforms=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64)

rm -rf "${out}"
mkdir -p "${out}"
out=$(cd "${out}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT

# Archives are reproducible: same sources and version, same bytes, same
# checksums (no timestamps, owners or file order from this machine).
epoch=$(git -C "${root}" log -1 --format=%ct 2>/dev/null || echo 0)
for platform in "${platforms[@]}"; do
	os=${platform%/*} arch=${platform#*/}
	dir="${work}/${os}_${arch}"
	mkdir -p "${dir}"
	exe=kubectl-fittingjob
	[[ ${os} == windows ]] && exe+=.exe
	echo "building ${exe} for ${os}/${arch}"
	(cd "${root}" && CGO_ENABLED=0 GOOS=${os} GOARCH=${arch} "${GO}" build -trimpath \
		-ldflags "-s -w ${LDFLAGS}" -o "${dir}/${exe}" ./cmd/kubectl-fittingjob)
	cp "${root}/hack/krew/kubectl_complete-fittingjob" "${dir}/"
	[[ -f ${root}/LICENSE ]] && cp "${root}/LICENSE" "${dir}/"
	find "${dir}" -exec touch -h -d "@${epoch}" {} +

	name="kubectl-fittingjob_${VERSION}_${os}_${arch}"
	if [[ ${os} == windows ]]; then
		(cd "${dir}" && find . -type f -printf '%P\n' | LC_ALL=C sort | zip -q -X "${out}/${name}.zip" -@)
	else
		tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@${epoch}" \
			-C "${dir}" -c . | gzip -n >"${out}/${name}.tar.gz"
	fi
done

cd "${out}"
sha256sum -- *.tar.gz *.zip >checksums.txt

# The krew manifest: each ${SHA256_<os>_<arch>} gets its archive's checksum.
manifest=$(<"${root}/hack/krew/fittingjob.yaml")
manifest=${manifest//'${VERSION}'/${VERSION}}
manifest=${manifest//'${URL}'/${RELEASE_URL}}
for platform in "${platforms[@]}"; do
	os=${platform%/*} arch=${platform#*/}
	sum=$(awk -v f="kubectl-fittingjob_${VERSION}_${os}_${arch}" '$2 ~ "^" f "\\." {print $1}' checksums.txt)
	[[ -n ${sum} ]] || { echo "no checksum for ${os}/${arch}" >&2; exit 1; }
	manifest=${manifest//"\${SHA256_${os}_${arch}}"/${sum}}
done
if grep -q '\${' <<<"${manifest}"; then
	echo "unfilled placeholders in the krew manifest:" >&2
	grep -n '\${' <<<"${manifest}" >&2
	exit 1
fi
# The template's comment is about the template, not this file.
sed '/^#/d' <<<"${manifest}" >fittingjob.yaml
"${root}/hack/bundles.sh" "${out}" "${IMAGE}"
echo "wrote ${out}: $(ls | tr '\n' ' ')"
