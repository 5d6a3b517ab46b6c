#include "layers/pool_geometry.hpp"

#include <limits>

#include "checked_size.hpp"
#include "layers/common.hpp"
#include "lumen/error.hpp"

namespace lumen::layers {
namespace {

// ceil(a / b) for a >= 0, b >= 1, without the overflow of (a + b - 1) / b.
std::int64_t divide_up(std::int64_t a, std::int64_t b) { return a / b + (a % b != 0); }

std::int64_t pooled_size(const Layer& layer, const Shape& input, std::int64_t in,
                         std::int64_t kernel, std::int64_t stride, std::int64_t dilation,
                         std::int64_t pad_begin, std::int64_t pad_end, bool ceil_mode) {
  const auto what = [&] { return label(layer) + ": the padded input " + lumen::to_string(input); };
  const auto extent =
      window_extent(kernel, dilation, [&] { return label(layer) + ": the window"; });
  const auto padded = checked_add(checked_add(in, pad_begin, what), pad_end, what);
  if (in < 1 || padded < extent) {
    throw ShapeError(label(layer) + ": the window (extent " + std::to_string(extent) +
                     ") is larger than the padded input " + lumen::to_string(input) + " (" +
                     std::to_string(padded) + " along that axis)");
  }
  const auto room = padded - extent;
  auto out = (ceil_mode ? divide_up(room, stride) : room / stride) + 1;
  // In ceil mode the last window must start inside the input or the left padding.
  if (ceil_mode && out - 1 >= divide_up(in + pad_begin, stride)) --out;
  return out;
}

}  // namespace

void validate_pool_params(const std::string& op_type, const Pool2dParams& p) {
  for (int i = 0; i < 2; ++i) {
    if (p.kernel[i] < 1) {
      throw InvalidArgument(op_type + ": kernel size " + std::to_string(p.kernel[i]) +
                            " must be >= 1");
    }
    if (p.stride[i] < 1) {
      throw InvalidArgument(op_type + ": stride " + std::to_string(p.stride[i]) + " must be >= 1");
    }
    if (p.dilation[i] < 1) {
      throw InvalidArgument(op_type + ": dilation " + std::to_string(p.dilation[i]) +
                            " must be >= 1");
    }
  }
  for (int i = 0; i < 4; ++i) {
    const auto extent = window_extent(p.kernel[i % 2], p.dilation[i % 2], [&] {
      return op_type + ": the window of kernel " + std::to_string(p.kernel[i % 2]) +
             " and dilation " + std::to_string(p.dilation[i % 2]);
    });
    // A pad as large as the window would give windows over padding alone.
    if (p.pads[i] < 0 || p.pads[i] >= extent) {
      throw InvalidArgument(op_type + ": pad " + std::to_string(p.pads[i]) +
                            " must be >= 0 and smaller than the window extent " +
                            std::to_string(extent));
    }
  }
}

std::string describe_pool(const Pool2dParams& p, bool show_count_include_pad) {
  return std::to_string(p.kernel[0]) + "x" + std::to_string(p.kernel[1]) + "/" +
         pair_to_string(p.stride[0], p.stride[1]) + " pad " + std::to_string(p.pads[0]) + "," +
         std::to_string(p.pads[1]) + "," + std::to_string(p.pads[2]) + "," +
         std::to_string(p.pads[3]) + " dil " + pair_to_string(p.dilation[0], p.dilation[1]) +
         (p.ceil_mode ? " ceil" : "") +
         (show_count_include_pad && p.count_include_pad ? " count_include_pad" : "");
}

Pool2dGeometry pool_geometry(const Layer& layer, const Pool2dParams& p, const Shape& input) {
  require_rank(layer, input, 4);
  Pool2dGeometry g;
  g.batch = input[0];
  g.channels = input[1];
  g.in_h = input[2];
  g.in_w = input[3];
  if (g.in_w > 0 && g.in_h > std::numeric_limits<std::int32_t>::max() / g.in_w) {
    throw ShapeError(label(layer) + ": input planes of " + lumen::to_string(input) +
                     " are too large to index with 32 bits");
  }
  g.kernel_h = p.kernel[0];
  g.kernel_w = p.kernel[1];
  g.stride_h = p.stride[0];
  g.stride_w = p.stride[1];
  g.dilation_h = p.dilation[0];
  g.dilation_w = p.dilation[1];
  g.pad_top = p.pads[0];
  g.pad_left = p.pads[1];
  g.out_h = pooled_size(layer, input, g.in_h, g.kernel_h, g.stride_h, g.dilation_h, p.pads[0],
                        p.pads[2], p.ceil_mode);
  g.out_w = pooled_size(layer, input, g.in_w, g.kernel_w, g.stride_w, g.dilation_w, p.pads[1],
                        p.pads[3], p.ceil_mode);
  g.count_include_pad = p.count_include_pad;
  return g;
}

}  // namespace lumen::layers
