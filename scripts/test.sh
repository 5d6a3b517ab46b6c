#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up, build, run every CTest test, once on the
# default backend chain and once more with each other backend first (LUMEN_TEST_BACKEND).
#   scripts/test.sh                     that
#   scripts/test.sh --sanitize [LABEL]  the whole suite, or the tests labelled LABEL, under
#                                       AddressSanitizer and UndefinedBehaviorSanitizer
#   scripts/test.sh --tsan              the tests labelled `threaded` under ThreadSanitizer (with
#                                       oneTBB built for it from Debian's source: tsan_tbb.sh)
# CI (.ci/run) runs the first and `--sanitize parsing`; docs/testing.md says what each covers.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  "") ;;
  --sanitize) scripts/setup.sh && exec scripts/sanitized_tests.sh address,undefined "${2:-}" ;;
  --tsan) scripts/setup.sh && exec scripts/sanitized_tests.sh thread threaded ;;
  *) echo "usage: scripts/test.sh [--sanitize [LABEL] | --tsan]" >&2; exit 2 ;;
esac
scripts/setup.sh
scripts/build.sh
build="${LUMEN_BUILD_DIR:-build}"
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)"
for backend in cpu-blas cpu-naive; do
  echo "== the suite again with $backend first"
  LUMEN_TEST_BACKEND=$backend ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)"
done
