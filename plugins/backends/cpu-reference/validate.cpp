#include "validate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "lumen/error.hpp"

namespace lumen::cpu_reference {
namespace {

constexpr Index blas_int_max = std::numeric_limits<std::int32_t>::max();

std::string prefix(std::string_view kernel) {
  return "cpu-reference " + std::string(kernel) + ": ";
}

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

/// out = floor((in + pads - dilated kernel) / stride) + 1 along one axis ("h" or "w").
void check_output_size(std::string_view kernel, const char* axis, Index in, Index pad_before,
                       Index pad_after, Index kernel_size, Index stride, Index dilation,
                       Index out) {
  const Index padded = in + pad_before + pad_after;
  const Index dilated = dilation * (kernel_size - 1) + 1;
  if (dilated > padded) {
    throw ShapeError(prefix(kernel) + "the dilated kernel spans " + std::to_string(dilated) +
                     " along " + axis + ", more than the padded input's " + std::to_string(padded));
  }
  const Index expected = (padded - dilated) / stride + 1;
  if (out != expected) {
    throw ShapeError(prefix(kernel) + "out_" + axis + " = " + std::to_string(out) +
                     " but the geometry gives " + std::to_string(expected));
  }
}

}  // namespace

void validate_gemm(std::string_view kernel, bool transpose_a, bool transpose_b, Index m, Index n,
                   Index k, Index lda, Index ldb, Index ldc) {
  at_least(kernel, "m", m, 0);
  at_least(kernel, "n", n, 0);
  at_least(kernel, "k", k, 0);
  // The row stride of each stored matrix covers its row length.
  at_least(kernel, "lda", lda, std::max<Index>(1, transpose_a ? m : k));
  at_least(kernel, "ldb", ldb, std::max<Index>(1, transpose_b ? k : n));
  at_least(kernel, "ldc", ldc, std::max<Index>(1, n));
  fits_int32(kernel, "m", m);
  fits_int32(kernel, "n", n);
  fits_int32(kernel, "k", k);
  fits_int32(kernel, "lda", lda);
  fits_int32(kernel, "ldb", ldb);
  fits_int32(kernel, "ldc", ldc);
}

void validate_conv(std::string_view kernel, const Conv2dGeometry& g) {
  at_least(kernel, "batch", g.batch, 1);
  at_least(kernel, "in_channels", g.in_channels, 1);
  at_least(kernel, "in_h", g.in_h, 1);
  at_least(kernel, "in_w", g.in_w, 1);
  at_least(kernel, "out_channels", g.out_channels, 1);
  at_least(kernel, "kernel_h", g.kernel_h, 1);
  at_least(kernel, "kernel_w", g.kernel_w, 1);
  at_least(kernel, "stride_h", g.stride_h, 1);
  at_least(kernel, "stride_w", g.stride_w, 1);
  at_least(kernel, "pad_top", g.pad_top, 0);
  at_least(kernel, "pad_left", g.pad_left, 0);
  at_least(kernel, "pad_bottom", g.pad_bottom, 0);
  at_least(kernel, "pad_right", g.pad_right, 0);
  at_least(kernel, "dilation_h", g.dilation_h, 1);
  at_least(kernel, "dilation_w", g.dilation_w, 1);
  at_least(kernel, "groups", g.groups, 1);
  for (const auto& [name, channels] :
       {std::pair{"in_channels", g.in_channels}, std::pair{"out_channels", g.out_channels}}) {
    if (channels % g.groups != 0) {
      throw ShapeError(prefix(kernel) + "groups = " + std::to_string(g.groups) +
                       " does not divide " + name + " = " + std::to_string(channels));
    }
  }
  check_output_size(kernel, "h", g.in_h, g.pad_top, g.pad_bottom, g.kernel_h, g.stride_h,
                    g.dilation_h, g.out_h);
  check_output_size(kernel, "w", g.in_w, g.pad_left, g.pad_right, g.kernel_w, g.stride_w,
                    g.dilation_w, g.out_w);
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

}  // namespace lumen::cpu_reference
