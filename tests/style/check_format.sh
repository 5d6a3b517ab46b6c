#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (.clang-format at the root) makes of it.
set -euo pipefail
cd "$1"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find core plugins apps tests tools examples sdk -name '*.[ch]pp' 2>/dev/null)
[[ ${#files[@]} -gt 0 ]] || { echo "check_format: no C++ files found under $1" >&2; exit 1; }
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "check_format: run 'clang-format -i' on the files above" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
