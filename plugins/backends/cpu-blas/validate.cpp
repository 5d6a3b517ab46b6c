#include "validate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "lumen/error.hpp"

namespace lumen::cpu_blas {
namespace {

constexpr Index blas_int_max = std::numeric_limits<std::int32_t>::max();

std::string prefix(std::string_view kernel) { return "cpu-blas " + std::string(kernel) + ": "; }

void at_least(std::string_view kernel, const char* name, Index value, Index minimum) {
  if (value < minimum) {
    throw InvalidArgument(prefix(kernel) + name + " = " + std::to_string(value) +
                          " must be at least " + std::to_string(minimum));
  }
}

/// Sizes handed to OpenBLAS (or stored in an int32 argmax) must fit 32 bits.
void fits_int32(std::string_view kernel, const char* name, Index value) {
  if (value > blas_int_max) {
    throw InvalidArgument(prefix(kernel) + name + " = " + std::to_string(value) +
                          " exceeds the 32-bit limit " + std::to_string(blas_int_max));
  }
}

}  // namespace

void validate_gemm(std::string_view kernel, bool transpose_a, bool transpose_b, Index m, Index n,
                   Index k, Index lda, Index ldb, Index ldc) {
  check_gemm_shape("cpu-blas " + std::string(kernel), transpose_a, transpose_b, m, n, k, lda, ldb,
                   ldc);
  fits_int32(kernel, "m", m);
  fits_int32(kernel, "n", n);
  fits_int32(kernel, "k", k);
  fits_int32(kernel, "lda", lda);
  fits_int32(kernel, "ldb", ldb);
  fits_int32(kernel, "ldc", ldc);
}

void validate_conv(std::string_view kernel, const Conv2dGeometry& g) {
  check_conv_geometry("cpu-blas " + std::string(kernel), g);
  fits_int32(kernel, "in_h * in_w", g.in_h * g.in_w);
  fits_int32(kernel, "out_h * out_w", g.out_h * g.out_w);
  fits_int32(kernel, "in_channels / groups * kernel_h * kernel_w",
             g.in_channels / g.groups * g.kernel_h * g.kernel_w);
  fits_int32(kernel, "out_channels / groups", g.out_channels / g.groups);
}

void validate_pool(std::string_view kernel, const Pool2dGeometry& g) {
  at_least(kernel, "batch", g.batch, 1);
  at_least(kernel, "channels", g.channels, 1);
  at_least(kernel, "in_h", g.in_h, 1);
  at_least(kernel, "in_w", g.in_w, 1);
  at_least(kernel, "out_h", g.out_h, 1);
  at_least(kernel, "out_w", g.out_w, 1);
  at_least(kernel, "kernel_h", g.kernel_h, 1);
  at_least(kernel, "kernel_w", g.kernel_w, 1);
  at_least(kernel, "stride_h", g.stride_h, 1);
  at_least(kernel, "stride_w", g.stride_w, 1);
  at_least(kernel, "pad_top", g.pad_top, 0);
  at_least(kernel, "pad_left", g.pad_left, 0);
  at_least(kernel, "dilation_h", g.dilation_h, 1);
  at_least(kernel, "dilation_w", g.dilation_w, 1);
  fits_int32(kernel, "in_h * in_w", g.in_h * g.in_w);
}

}  // namespace lumen::cpu_blas
