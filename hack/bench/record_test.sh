#!/usr/bin/env bash
# Tests record.sh on a fake bench report and a scratch page (make
# check-bench): the section between the markers is replaced, and only it;
# a second run replaces the first; a page without markers, or an empty
# report, leaves the page as it was and fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT
fail() { echo "record_test.sh: $*" >&2; exit 1; }

page=${work}/README.md
cat >"${page}" <<'EOF'
# Performance

Before.

<!-- bench-output -->
Old figures.
<!-- /bench-output -->

After.
EOF
printf '%s\n' "====" "PHASE  FIGURE  CONTROLLER" "cold   exec    13.6s" "====" >"${work}/first.txt"
printf '%s\n' "====" "PHASE  FIGURE  CONTROLLER" "storm  update  23.8s" "====" >"${work}/second.txt"

"${here}/record.sh" "${work}/first.txt" "" "${page}" >/dev/null
grep -q 'Old figures' "${page}" && fail "the old section is still there"
grep -q 'cold   exec    13.6s' "${page}" || fail "the report is not in the page"
grep -q '^`make bench`, at commit `' "${page}" || fail "no heading naming the command and commit"
for kept in '# Performance' 'Before.' 'After.' '<!-- bench-output -->' '<!-- /bench-output -->'; do
    [ "$(grep -cxF -- "${kept}" "${page}")" = 1 ] || fail "'${kept}' is not in the page exactly once"
done

"${here}/record.sh" "${work}/second.txt" "-n 200" "${page}" >/dev/null
grep -q '13.6s' "${page}" && fail "the first report survived the second"
grep -q 'storm  update  23.8s' "${page}" || fail "the second report is not in the page"
grep -qF '`make bench BENCH_ARGS="-n 200"`' "${page}" || fail "the command does not carry BENCH_ARGS"
[ "$(grep -c '^```' "${page}")" = 2 ] || fail "not exactly one code block"

printf '# No markers\n' >"${work}/plain.md"
cp "${work}/plain.md" "${work}/plain.orig"
if "${here}/record.sh" "${work}/first.txt" "" "${work}/plain.md" 2>/dev/null; then fail "a page without markers was accepted"; fi
cmp -s "${work}/plain.md" "${work}/plain.orig" || fail "a page without markers was changed"

cp "${page}" "${work}/page.orig"
: >"${work}/empty.txt"
if "${here}/record.sh" "${work}/empty.txt" "" "${page}" 2>/dev/null; then fail "an empty report was accepted"; fi
cmp -s "${page}" "${work}/page.orig" || fail "an empty report changed the page"

echo "record.sh replaces the marked section of the performance page, and only it"
