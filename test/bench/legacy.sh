#!/usr/bin/env bash
# The old benchmark harness (in-process, run with tsx), run against the current code: for
# before/after comparisons with logs of that harness ("no case of today's benchmark gets
# slower"). It takes test/bench/ and test/support/ from a commit where they were the old
# harness (default ae56c85, the last one before the process-isolated harness), puts them in
# a temporary folder whose src/, docs/ and node_modules/ are links to this work tree's, and
# runs its `tsx test/bench/run.ts` there, as `npm run bench` did then. It prints what that
# harness printed; `compare.ts` reads it.
#
#   bash test/bench/legacy.sh [--commit C] [the old runner's arguments: --quick, name filters] > after-1.log
#
# The old files import the library's modules by path (src/index.js, src/internal/plan.js,
# src/internal/tape.js, src/kernels/index.js): if the current code moved or changed one of
# those, the benchmark that uses it fails and says which import; filter it out by name.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
COMMIT=ae56c85
if [ "${1:-}" = "--commit" ]; then
  COMMIT="${2:?--commit needs a commit}"
  shift 2
fi
git -C "$ROOT" cat-file -e "$COMMIT^{commit}" 2>/dev/null || { echo "legacy: no commit $COMMIT in $ROOT" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/backprop-lens-legacy-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
git -C "$ROOT" archive "$COMMIT" test/bench test/support | tar -x -C "$WORK"
for link in src docs node_modules package.json tsconfig.json; do ln -s "$ROOT/$link" "$WORK/$link"; done

echo "(legacy harness: test/bench of $(git -C "$ROOT" rev-parse --short "$COMMIT"), with tsx, on the code of $ROOT at $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src && echo '' || echo ' + uncommitted changes'))" >&2
cd "$WORK"
"$ROOT/node_modules/.bin/tsx" test/bench/run.ts "$@"
