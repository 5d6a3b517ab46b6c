#!/usr/bin/env bash
# Configures and builds lumen (Release, Ninja, ccache when present) into ${LUMEN_BUILD_DIR:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${LUMEN_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --parallel "$(nproc)"
