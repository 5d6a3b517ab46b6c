#!/usr/bin/env bash
# Configures and builds lumen (Release, Ninja, ccache when present) into ${LUMEN_BUILD_DIR:-build}.
#   scripts/build.sh [-DOPTION=VALUE...] [--target TARGET]...
# Options go to the configure step; targets limit the build (default: everything). LUMEN_JOBS
# sets the number of parallel jobs (default: one per core).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${LUMEN_BUILD_DIR:-build}
options=()
targets=()
while (($#)); do
  case $1 in
    -D*) options+=("$1"); shift ;;
    --target) targets+=(--target "$2"); shift 2 ;;
    *) echo "scripts/build.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${options[@]}" >/dev/null
cmake --build "$build" --parallel "${LUMEN_JOBS:-$(nproc)}" "${targets[@]}"
