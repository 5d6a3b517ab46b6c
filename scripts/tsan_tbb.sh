#!/usr/bin/env bash
# Builds oneTBB's libtbb with ThreadSanitizer into DIR and prints the directory that holds it.
#   LUMEN_TBB_SOURCE=<oneTBB source> scripts/tsan_tbb.sh DIR
# ThreadSanitizer sees only the synchronisation of instrumented code. Debian's libtbb is not, so a
# result written by a oneTBB worker and read after parallel_for returns looks like a data race to
# it: every parallel loop reports. Under this build of the same oneTBB release (put first on
# LD_LIBRARY_PATH), the tests report only what TSan can prove. The source must be the release of
# the installed headers, e.g. git clone --depth 1 --branch v2021.8.0
# https://github.com/uxlfoundation/oneTBB.
set -euo pipefail
dir=$1
version_of() {
  awk '/#define TBB_VERSION_(MAJOR|MINOR)/ {printf "%s%s", sep, $3; sep="."}' "$1/oneapi/tbb/version.h"
}
version=$(version_of /usr/include)
source=${LUMEN_TBB_SOURCE:-}
if [[ -z $source || ! -f $source/include/oneapi/tbb/version.h ]]; then
  echo "scripts/tsan_tbb.sh: set LUMEN_TBB_SOURCE to a oneTBB $version source tree (git clone" \
       "--depth 1 --branch v$version.0 https://github.com/uxlfoundation/oneTBB)" >&2
  exit 1
fi
if [[ $(version_of "$source/include") != "$version" ]]; then
  echo "scripts/tsan_tbb.sh: $source is oneTBB $(version_of "$source/include"), the installed" \
       "headers $version" >&2
  exit 1
fi
cmake -S "$source" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_SANITIZE=thread \
  -DTBB_TEST=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF >&2
cmake --build "$dir" --parallel "${LUMEN_JOBS:-$(nproc)}" --target tbb >&2
dirname "$(find "$dir" -name libtbb.so.12 -print -quit)"
