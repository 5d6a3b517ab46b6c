#pragma once
// The geometries every backend kernel is compared on, and their descriptions for messages.
#include <cstdint>
#include <string>
#include <vector>

#include "lumen/backend.hpp"

namespace lumen::conformance::detail {

struct GemmCase {
  bool transpose_a = false, transpose_b = false;
  std::int64_t m = 1, n = 1, k = 1;
  std::int64_t lda = 1, ldb = 1, ldc = 1;
  float alpha = 1.0F, beta = 0.0F;
};

/// Every transpose combination, several sizes, tight and padded row strides, alpha/beta pairs
/// including beta = 0 (C must then be ignored, even NaN).
std::vector<GemmCase> gemm_battery();
/// Kernels 1x1, 3x3, 5x3; strides 1-3; no, symmetric and asymmetric padding; dilation 1-2;
/// groups 1, 2, depthwise and depthwise with two outputs per channel; batch 1 and 8.
std::vector<Conv2dGeometry> conv_battery();
/// Kernels 2x2, 3x3, 3x2; strides 1-3; padding none, both sides, top only; dilation 1-2; batch 1
/// and 8; floor and ceil output sizes; `count_include_pad` as given.
std::vector<Pool2dGeometry> pool_battery(bool count_include_pad);

/// Cases large enough for a backend to split among threads: gemm 300x520x120 and 520x300x200
/// transposed (several 256x256 tiles); a 3x3 32->32 convolution on 28x28 (batch 2), a 1x1
/// stride-2 128->256 one and a 5x5 depthwise one over 128 channels of 32x32 (batch 4); pooling
/// over 64 channels of 56x56 (batch 2), with overlapping windows and without.
std::vector<GemmCase> large_gemm_cases();
std::vector<Conv2dGeometry> large_conv_cases();
std::vector<Pool2dGeometry> large_pool_cases(bool count_include_pad);

std::string describe(const GemmCase& g);
std::string describe(const Conv2dGeometry& g);
std::string describe(const Pool2dGeometry& g);

}  // namespace lumen::conformance::detail
