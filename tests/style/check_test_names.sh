#!/usr/bin/env bash
# CTest splits a discovered Catch2 test name at ';', so a TEST_CASE whose name holds one is
# registered under a name that matches no test case and passes without running. Refuse them.
set -euo pipefail
root=$1
found=$(grep -rn --include='*.cpp' 'TEST_CASE("[^"]*;' "$root/core" "$root/plugins" "$root/sdk" \
  "$root/apps" "$root/tests" "$root/training" "$root/tools" || true)
if [[ -n "$found" ]]; then
  echo "test names must not contain ';' (CTest would split them and never run the test):"
  echo "$found"
  exit 1
fi
