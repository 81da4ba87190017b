#!/usr/bin/env bash
# Checks the links of the documentation: every relative link of the
# repository's Markdown files, and every link to one of the repository's own
# files on GitHub (https://github.com/intelligent-hpa/fittingjob-controller/blob/main/PATH#ANCHOR,
# as the alerts' runbook_url annotations use) in any tracked text file,
# points at a file or directory that exists, and its #anchor, if any, at a
# heading or an <a id="..."> of that Markdown file. External links are not
# followed: this runs offline.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
repo_url=https://github.com/intelligent-hpa/fittingjob-controller/blob/main/

status=0
failed() { echo "verify-links: $*" >&2; status=1; }

# files PATTERN...: the tracked files, and the new ones git does not ignore.
files() { git ls-files --cached --others --exclude-standard -- "$@" | sort -u; }

# anchors FILE: the anchors of a Markdown file, one a line: GitHub's for
# each heading outside code blocks (the text lowercased, link targets and
# punctuation other than - and _ dropped, spaces made -, and -1, -2, ...
# added to repeats), then every <a id="..."> or <a name="...">.
anchors() {
    awk '/^```/ { fence = !fence; next } !fence && /^#+ / { sub(/^#+ +/, ""); sub(/ +#+ *$/, ""); print }' "$1" |
        sed -E -e 's/\[([^]]*)\]\([^)]*\)/\1/g' |
        tr 'A-Z' 'a-z' |
        sed -e 's/[][!"#$%&'\''()*+,./:;<=>?@\\^`{|}~]//g' -e 's/ /-/g' |
        awk '{ if ($0 in seen) { print $0 "-" seen[$0]++ } else { seen[$0] = 1; print } }'
    grep -oE '<a (id|name)="[^"]+"' "$1" | sed -E 's/^<a (id|name)="//; s/"$//' || true
}

# check FROM TARGET: TARGET (PATH, PATH#ANCHOR or #ANCHOR, relative to
# FROM's directory, or to the root when it starts with /) exists.
check() {
    local from=$1 target=$2 path anchor dir
    path=${target%%#*}
    anchor=""
    [[ "${target}" == *"#"* ]] && anchor=${target#*#}
    if [ -z "${path}" ]; then
        path=${from}
    elif [[ "${path}" == /* ]]; then
        path=${path#/}
    else
        dir=$(dirname "${from}")
        path=$(realpath -m --relative-to=. "${dir}/${path}")
    fi
    if [ ! -e "${path}" ]; then
        failed "${from}: link to ${target}: ${path} does not exist"
        return
    fi
    if [ -n "${anchor}" ]; then
        if [[ "${path}" != *.md ]]; then
            failed "${from}: link to ${target}: an anchor in a file that is not Markdown"
        elif ! anchors "${path}" | grep -qxF -- "${anchor}"; then
            failed "${from}: link to ${target}: ${path} has no heading or <a id> for #${anchor}"
        fi
    fi
}

links=0
# Relative links of the Markdown files: [text](target), outside code blocks
# and inline code.
while IFS= read -r md; do
    while IFS= read -r target; do
        case "${target}" in
        http://* | https://* | mailto:*) continue ;;
        esac
        check "${md}" "${target}"
        links=$((links + 1))
    done < <(awk '/^```/ { fence = !fence; next } !fence { gsub(/`[^`]*`/, ""); print }' "${md}" |
        grep -oE '\]\([^) ]+( "[^"]*")?\)' | sed -E 's/^\]\(//; s/( "[^"]*")?\)$//' || true)
done < <(files '*.md')

# Links to the repository's own files on GitHub, in any tracked text file.
while IFS= read -r file; do
    while IFS= read -r url; do
        check "${file}" "/${url#"${repo_url}"}"
        links=$((links + 1))
    done < <(grep -oE "${repo_url}[^] )\"'>\`]+" "${file}" | sed -E 's/[.,;:]+$//' || true)
done < <(files | grep -vxF hack/verify-links.sh | xargs -r grep -lIF "${repo_url}" -- 2>/dev/null || true)

if [ "${status}" -ne 0 ]; then
    exit 1
fi
echo "every one of ${links} links to the repository's own files points at a file and anchor that exist"
