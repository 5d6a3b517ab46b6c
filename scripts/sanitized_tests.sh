#!/usr/bin/env bash
# Builds lumen with sanitizers into a directory of its own and runs the tests there, on the
# default backend chain. Fails on any sanitizer report, even one from a program that a test
# expected to fail: reports go to files under <build>/sanitizer-reports/, which must stay empty.
#   scripts/sanitized_tests.sh address,undefined [LABEL]   ${LUMEN_BUILD_DIR:-build}-asan
#   scripts/sanitized_tests.sh thread [LABEL]              ${LUMEN_BUILD_DIR:-build}-tsan
# With LABEL, only the tests labelled LABEL are built (target LABEL_tests) and run.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=$1
label=${2:-}
case $sanitizers in
  thread) build=${LUMEN_BUILD_DIR:-build}-tsan ;;
  *) build=${LUMEN_BUILD_DIR:-build}-asan ;;
esac

targets=()
selection=()
if [[ -n $label ]]; then
  targets=(--target "${label}_tests")
  selection=(--label-regex "^${label}\$")
fi
LUMEN_BUILD_DIR=$build scripts/build.sh "-DLUMEN_SANITIZE=$sanitizers" "${targets[@]}"
if [[ $sanitizers == thread ]]; then
  tbb=$(scripts/tsan_tbb.sh "$PWD/$build/tsan-tbb")
  export LD_LIBRARY_PATH="$tbb${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

reports=$PWD/$build/sanitizer-reports
suppressions=$PWD/scripts/sanitizers
rm -rf "$reports"
mkdir -p "$reports"
# intercept_tls_get_addr=0: GCC 12's run-time sometimes takes a plugin's dynamic TLS block for a
# pre-2.25 glibc header and LeakSanitizer's tracer crashes on the bogus range it reads
# (google/sanitizers#1322); without it, leaks are still found through each thread's TLS vector.
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:intercept_tls_get_addr=0:log_path=$reports/asan"
# print_suppressions=0: a run whose every leak is suppressed writes no report file.
export LSAN_OPTIONS="suppressions=$suppressions/lsan.supp:print_suppressions=0"
# GCC's UBSan run-time, beside ASan's, ignores log_path and writes to stderr: its reports stop the
# program with exit status 86 instead, which fails the test that ran it (tests check the status
# they expect).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86"
export TSAN_OPTIONS="suppressions=$suppressions/tsan.supp:second_deadlock_stack=1:log_path=$reports/tsan"

status=0
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)" "${selection[@]}" || status=$?
if compgen -G "$reports/*" >/dev/null; then
  cat "$reports"/*
  echo "sanitizer reports: $(find "$reports" -type f | wc -l) (in $reports)" >&2
  exit 1
fi
echo "sanitizer reports: 0"
exit "$status"
