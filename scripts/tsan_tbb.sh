#!/usr/bin/env bash
# Builds oneTBB's libtbb with ThreadSanitizer into DIR and prints the directory that holds it.
#   scripts/tsan_tbb.sh DIR
# ThreadSanitizer sees only the synchronisation of instrumented code. Debian's libtbb is not, so a
# result written by a oneTBB worker and read after parallel_for returns looks like a data race to
# it: every parallel loop reports. Under this build of the same oneTBB release (put first on
# LD_LIBRARY_PATH), the tests report only what TSan can prove.
# The source is Debian's source package of the installed libtbb-dev, fetched from the Debian
# archive into DIR/source (with apt lists of its own: the system's apt configuration is not
# changed), or LUMEN_TBB_SOURCE when set (a oneTBB tree of the installed release).
set -euo pipefail
dir=$(realpath -m "$1")
version_of() {
  awk '/#define TBB_VERSION_(MAJOR|MINOR)/ {printf "%s%s", sep, $3; sep="."}' "$1/oneapi/tbb/version.h"
}
version=$(version_of /usr/include)

fetch_debian_source() {
  local package_version apt
  package_version=$(dpkg-query -W -f='${Version}' libtbb-dev)
  apt=$dir/apt
  mkdir -p "$apt/lists/partial" "$apt/download"
  cat >"$apt/sources.list" <<LIST
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
LIST
  local options=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
                 -o "Dir::State::Lists=$apt/lists" -o APT::Sandbox::User=root)
  echo "scripts/tsan_tbb.sh: fetching Debian's source of onetbb $package_version" >&2
  apt-get "${options[@]}" update >&2
  (cd "$apt/download" && apt-get "${options[@]}" source --download-only "onetbb=$package_version" >&2)
  rm -rf "$dir/source"
  dpkg-source -x "$apt/download"/onetbb_*.dsc "$dir/source" >&2
}

source=${LUMEN_TBB_SOURCE:-$dir/source}
if [[ -z ${LUMEN_TBB_SOURCE:-} && ! -f $source/include/oneapi/tbb/version.h ]]; then
  fetch_debian_source
fi
if [[ ! -f $source/include/oneapi/tbb/version.h ]]; then
  echo "scripts/tsan_tbb.sh: $source is not a oneTBB source tree" >&2
  exit 1
fi
if [[ $(version_of "$source/include") != "$version" ]]; then
  echo "scripts/tsan_tbb.sh: $source is oneTBB $(version_of "$source/include"), the installed" \
       "headers $version" >&2
  exit 1
fi
cmake -S "$source" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_SANITIZE=thread \
  -DTBB_TEST=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF >&2
cmake --build "$dir/build" --parallel "${LUMEN_JOBS:-$(nproc)}" --target tbb >&2
dirname "$(find "$dir/build" -name libtbb.so.12 -print -quit)"
