#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up, build, run every CTest test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir "${LUMEN_BUILD_DIR:-build}" --output-on-failure --parallel "$(nproc)"
