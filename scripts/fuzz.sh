#!/usr/bin/env bash
# Fuzzes one input format of lumen with libFuzzer (docs/testing.md):
#   scripts/fuzz.sh TARGET SECONDS      TARGET: onnx_import npy image mstar plugin_elf
# Builds lumen with clang, ASan, UBSan and libFuzzer's coverage instrumentation on all of lumen's
# code into ${LUMEN_FUZZ_BUILD_DIR:-build-fuzz} (scripts/setup.sh --with-fuzz first), fuzzes a
# copy of tests/fuzz/corpus/TARGET for SECONDS seconds, and prints the executions, the coverage
# (libFuzzer's cov: edges and ft: features) and the crashes. Exits non-zero on a crash, leaving
# the input in <build>/fuzz-runs/TARGET/crashes/; fix the bug, then commit the input to
# tests/fuzz/regressions/TARGET/ so that CTest (fuzz:TARGET) replays it from then on.
# LUMEN_FUZZ_JOBS limits the build's parallel jobs; LUMEN_FUZZ_FLAGS adds libFuzzer options.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(onnx_import npy image mstar plugin_elf)
usage() {
  echo "usage: scripts/fuzz.sh TARGET SECONDS   (TARGET: ${targets[*]})" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
target=$1 seconds=$2
[[ " ${targets[*]} " == *" $target "* ]] || usage
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage
scripts/setup.sh --with-fuzz

build=${LUMEN_FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DLUMEN_FUZZ=ON -DLUMEN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target "fuzz_$target" --parallel "${LUMEN_FUZZ_JOBS:-$(nproc)}"

run="$build/fuzz-runs/$target"
rm -rf "$run"
mkdir -p "$run/corpus" "$run/crashes"
cp tests/fuzz/corpus/"$target"/* "$run/corpus/"
echo "fuzzing $target for $seconds s; log: $run/fuzz.log"
status=0
# shellcheck disable=SC2086 # LUMEN_FUZZ_FLAGS holds several options
"$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$run/crashes/" ${LUMEN_FUZZ_FLAGS:-} "$run/corpus" >"$run/fuzz.log" 2>&1 ||
  status=$?

# libFuzzer's last status line reads "#RUNS <event> cov: EDGES ft: FEATURES corp: N/SIZE ...".
last=$(grep -E '^#[0-9]+' "$run/fuzz.log" | tail -n 1 || true)
executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/fuzz.log")
coverage=$(sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/\1 edges, \2 features, \3 corpus inputs/p' <<<"$last")
crashes=$(find "$run/crashes" -type f | wc -l)
echo "$target: ${seconds} s, ${executions:-?} executions, coverage ${coverage:-?}, $crashes crash(es)"
if [[ $status -ne 0 || $crashes -ne 0 ]]; then
  grep -E '^==[0-9]+==|SUMMARY|ERROR|runtime error|Test unit written' "$run/fuzz.log" | head -n 20 >&2 || true
  echo "fuzz $target failed (libFuzzer status $status); inputs in $run/crashes/" >&2
  exit 1
fi
