#!/usr/bin/env bash
# record.sh OUTPUT [BENCH_ARGS [PAGE]]: puts OUTPUT, the report of a bench
# run, into the performance page (PAGE, default hack/bench/README.md), in
# place of whatever stands between its <!-- bench-output --> and
# <!-- /bench-output --> lines, headed by the command that produced it, the
# commit, the date and the machine. make bench calls it after a run that
# succeeded, so that the page always shows the latest figures and the
# repository keeps no dated log of them. It changes nothing, and fails, when
# OUTPUT is empty or the page lacks the two markers in that order.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
output=${1:?usage: record.sh OUTPUT [BENCH_ARGS [PAGE]]}
args=${2:-}
page=${3:-${root}/hack/bench/README.md}
begin='<!-- bench-output -->'
end='<!-- /bench-output -->'

if [ ! -s "${output}" ]; then
    echo "record.sh: ${output} is empty or missing; ${page} left as it is" >&2
    exit 1
fi
if ! awk -v b="${begin}" -v e="${end}" '$0 == b && !seen_b { seen_b = NR } $0 == e && seen_b && !seen_e { seen_e = NR } END { exit !(seen_b && seen_e) }' "${page}"; then
    echo "record.sh: ${page} has no '${begin}' line followed by a '${end}' line; left as it is" >&2
    exit 1
fi

command="make bench"
[ -z "${args}" ] || command="make bench BENCH_ARGS=\"${args}\""
commit=$(git -C "${root}" describe --always --dirty 2>/dev/null || echo unknown)
cpus=$(nproc 2>/dev/null || echo "?")
memory=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)

section=$(mktemp)
new=$(mktemp)
trap 'rm -f "${section}" "${new}"' EXIT
{
    echo
    echo "\`${command}\`, at commit \`${commit}\`, finished $(date -u '+%Y-%m-%d %H:%M UTC') on a machine with ${cpus} CPUs${memory:+ and ${memory} of memory}:"
    echo
    echo '```text'
    cat "${output}"
    echo '```'
    echo
} >"${section}"

awk -v b="${begin}" -v e="${end}" -v section="${section}" '
    $0 == b && state == 0 { print; while ((getline line < section) > 0) print line; state = 1; next }
    $0 == e && state == 1 { state = 2 }
    state != 1 { print }
' "${page}" >"${new}"
cat "${new}" >"${page}"
echo "record.sh: the output of ${command} is now in ${page#"${root}/"}"
