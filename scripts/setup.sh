#!/usr/bin/env bash
# Installs lumen's build dependencies from Debian 12 packages when any is missing.
# Idempotent and quiet when everything is already there. Needs root (or sudo) to install.
#   scripts/setup.sh                 build and test dependencies
#   scripts/setup.sh --with-pytorch  also Debian's python3-torch and python3-onnx, for the
#                                    comparison of lumen's outputs against PyTorch autograd
#   scripts/setup.sh --with-fuzz     also clang and libFuzzer, for scripts/fuzz.sh, and what
#                                    tests/fuzz/make_corpus.py writes the seed corpus with
# The options combine.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache clang-format git
  libboost-dev libboost-filesystem-dev libboost-graph-dev
  libxtensor-dev xtl-dev libxsimd-dev libtbb-dev libspdlog-dev catch2
  libonnx-dev libprotobuf-dev protobuf-compiler libopenblas-dev liblapack-dev
  libstb-dev nlohmann-json3-dev libcli11-dev libeigen3-dev python3
  libdnnl-dev ocl-icd-opencl-dev opencl-c-headers
)
for option in "$@"; do
  case "$option" in
    --with-pytorch) packages+=(python3-torch python3-torchvision python3-onnx python3-numpy) ;;
    --with-fuzz) packages+=(clang libclang-rt-14-dev python3-onnx python3-numpy python3-pil) ;;
    *) echo "lumen setup: unknown option '$option' (--with-pytorch, --with-fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "lumen setup: installing ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "lumen setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
