#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, run `lumen demo` (the bundled sar-cnn explaining
# synthetic SAR test chips) and say where its page is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
out="${1:-lumen-demo}"
"${LUMEN_BUILD_DIR:-build}/bin/lumen" demo --out "$out"
echo "Open $(realpath "$out")/index.html in a browser (no server needed)."
