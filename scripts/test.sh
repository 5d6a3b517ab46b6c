#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up, build, run every CTest test, once on the
# default backend chain and once more with each other backend first (LUMEN_TEST_BACKEND).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build="${LUMEN_BUILD_DIR:-build}"
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)"
for backend in cpu-blas cpu-naive; do
  echo "== the suite again with $backend first"
  LUMEN_TEST_BACKEND=$backend ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)"
done
