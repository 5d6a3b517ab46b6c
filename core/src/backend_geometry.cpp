#include <algorithm>
#include <string>
#include <utility>

#include "checked_size.hpp"
#include "lumen/backend.hpp"
#include "lumen/error.hpp"

namespace lumen {
namespace {

using Index = std::int64_t;

void at_least(const std::string& prefix, const char* name, Index value, Index minimum) {
  if (value < minimum) {
    throw InvalidArgument(prefix + name + " = " + std::to_string(value) + " must be at least " +
                          std::to_string(minimum));
  }
}

/// out = floor((in + pads - dilated kernel) / stride) + 1 along one axis ("h" or "w").
void check_output_size(const std::string& prefix, const char* axis, Index in, Index pad_before,
                       Index pad_after, Index kernel_size, Index stride, Index dilation,
                       Index out) {
  const auto what = [&] { return prefix + "the padded input along " + axis; };
  const Index padded = checked_add(checked_add(in, pad_before, what), pad_after, what);
  const Index dilated = window_extent(kernel_size, dilation,
                                      [&] { return prefix + "the dilated kernel along " + axis; });
  if (dilated > padded) {
    throw ShapeError(prefix + "the dilated kernel spans " + std::to_string(dilated) + " along " +
                     axis + ", more than the padded input's " + std::to_string(padded));
  }
  const Index expected = (padded - dilated) / stride + 1;
  if (out != expected) {
    throw ShapeError(prefix + "out_" + axis + " = " + std::to_string(out) +
                     " but the geometry gives " + std::to_string(expected));
  }
}

}  // namespace

void check_conv_geometry(std::string_view who, const Conv2dGeometry& g) {
  const std::string prefix = std::string(who) + ": ";
  at_least(prefix, "batch", g.batch, 1);
  at_least(prefix, "in_channels", g.in_channels, 1);
  at_least(prefix, "in_h", g.in_h, 1);
  at_least(prefix, "in_w", g.in_w, 1);
  at_least(prefix, "out_channels", g.out_channels, 1);
  at_least(prefix, "kernel_h", g.kernel_h, 1);
  at_least(prefix, "kernel_w", g.kernel_w, 1);
  at_least(prefix, "stride_h", g.stride_h, 1);
  at_least(prefix, "stride_w", g.stride_w, 1);
  at_least(prefix, "pad_top", g.pad_top, 0);
  at_least(prefix, "pad_left", g.pad_left, 0);
  at_least(prefix, "pad_bottom", g.pad_bottom, 0);
  at_least(prefix, "pad_right", g.pad_right, 0);
  at_least(prefix, "dilation_h", g.dilation_h, 1);
  at_least(prefix, "dilation_w", g.dilation_w, 1);
  at_least(prefix, "groups", g.groups, 1);
  for (const auto& [name, channels] :
       {std::pair{"in_channels", g.in_channels}, std::pair{"out_channels", g.out_channels}}) {
    if (channels % g.groups != 0) {
      throw ShapeError(prefix + "groups = " + std::to_string(g.groups) + " does not divide " +
                       name + " = " + std::to_string(channels));
    }
  }
  check_output_size(prefix, "h", g.in_h, g.pad_top, g.pad_bottom, g.kernel_h, g.stride_h,
                    g.dilation_h, g.out_h);
  check_output_size(prefix, "w", g.in_w, g.pad_left, g.pad_right, g.kernel_w, g.stride_w,
                    g.dilation_w, g.out_w);
}

void check_gemm_shape(std::string_view who, bool transpose_a, bool transpose_b, Index m, Index n,
                      Index k, Index lda, Index ldb, Index ldc) {
  const std::string prefix = std::string(who) + ": ";
  at_least(prefix, "m", m, 0);
  at_least(prefix, "n", n, 0);
  at_least(prefix, "k", k, 0);
  at_least(prefix, "lda", lda, std::max<Index>(1, transpose_a ? m : k));
  at_least(prefix, "ldb", ldb, std::max<Index>(1, transpose_b ? k : n));
  at_least(prefix, "ldc", ldc, std::max<Index>(1, n));
}

}  // namespace lumen
