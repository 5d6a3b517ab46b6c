#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, run `lumen demo` on the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
"${LUMEN_BUILD_DIR:-build}/bin/lumen" demo --out "${1:-lumen-demo}"
