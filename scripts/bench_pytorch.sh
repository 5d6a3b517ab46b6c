#!/usr/bin/env bash
# Times lumen against PyTorch autograd on the same ONNX models and inputs, interleaved, and prints
# lumen/PyTorch per model, method and thread count (bench/compare_pytorch.py; its --help has more).
#   bash scripts/bench_pytorch.sh [--threads 1,2] [--rounds R] [--models resnet18,vgg16,...]
#                                 [--methods saliency,...] [--quick] [--json FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-pytorch
bash scripts/build.sh >/dev/null
exec /usr/bin/python3 bench/compare_pytorch.py --lumen "${LUMEN_BUILD_DIR:-build}/bin/lumen" "$@"
