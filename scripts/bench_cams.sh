#!/usr/bin/env bash
# Times the CAM methods of the Cluster-CAM paper's Table 2 on a VGG-16 at 224x224 (seeded random
# weights) with 2 threads: median seconds and passes per image, and ratios to Cluster-CAM.
#   bash scripts/bench_cams.sh [IMAGES]      (default 3 images, after 1 warm-up run per method)
set -euo pipefail
cd "$(dirname "$0")/.."
images="${1:-3}"
build="${LUMEN_BUILD_DIR:-build}"
bash scripts/build.sh >/dev/null
cmake --build "$build" --target make_vgg16 >/dev/null
model="$build/bench/vgg16.onnx"
[[ -f "$model" ]] || "$build/bin/make_vgg16" "$model"
"$build/bin/lumen" --threads 2 bench --model "$model" --images "$images" \
  --methods grad-cam,grad-cam-pp,ablation-cam,score-cam,cluster-cam \
  --param cluster-cam.clusters=6 --relative-to cluster-cam --json "$build/bench/cams.json"
echo "Cluster-CAM paper, Table 2 (VGG-16, RTX 3070), seconds / forward passes per image:"
echo "  grad-cam 0.078/1, grad-cam-pp 0.141/1, ablation-cam 2.206/256, score-cam 4.647/256,"
echo "  cluster-cam 0.382/6; ratios to cluster-cam: score-cam 12.1, ablation-cam 5.7"
