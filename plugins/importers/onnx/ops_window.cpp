#include <algorithm>
#include <array>

#include "lumen/conv_transpose.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;
using Pair = std::array<I, 2>;

std::string format(const std::vector<I>& values) { return to_string(Shape(values)); }

// A per-spatial-axis attribute (kernel_shape, strides, dilations) of a 2-D op.
Pair pair_attribute(const Attributes& a, const std::string& name, std::optional<Pair> fallback) {
  const auto v = fallback ? a.get_ints(name, std::vector<I>{(*fallback)[0], (*fallback)[1]})
                          : a.get_ints(name);
  if (v.size() != 2) {
    throw ModelError("attribute '" + name + "' is " + format(v) +
                     "; lumen supports 2-D windows only (two values, H and W)");
  }
  if (v[0] < 1 || v[1] < 1) {
    throw ModelError("attribute '" + name + "' is " + format(v) + "; values must be >= 1");
  }
  return {v[0], v[1]};
}

// The input of a 2-D window op, which must be [N, C, H, W].
NodeId spatial_input(NodeContext& ctx) {
  const auto x = ctx.activation(0);
  if (ctx.shape(x).size() != 4) {
    throw ModelError("input has shape " + to_string(ctx.shape(x)) +
                     "; lumen supports 2-D windows over [N, C, H, W] only");
  }
  return x;
}

// Explicit pads, or those auto_pad implies, as {top, left, bottom, right}.
std::array<I, 4> window_pads(const NodeContext& ctx, NodeId x, Pair kernel, Pair stride,
                             Pair dilation) {
  const auto& a = ctx.attributes();
  const auto mode =
      a.get_choice("auto_pad", "NOTSET", {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"});
  const auto pads = a.get_ints("pads", std::vector<I>{0, 0, 0, 0});
  if (pads.size() != 4) {
    throw ModelError("attribute 'pads' is " + format(pads) +
                     "; a 2-D window needs four values (top, left, bottom, right)");
  }
  for (auto p : pads) {
    if (p < 0) throw ModelError("attribute 'pads' is " + format(pads) + "; pads must be >= 0");
  }
  if (mode == "NOTSET") return {pads[0], pads[1], pads[2], pads[3]};
  if (pads != std::vector<I>{0, 0, 0, 0}) {
    throw ModelError("attribute 'pads' " + format(pads) + " cannot be combined with auto_pad " +
                     mode);
  }
  if (mode == "VALID") return {0, 0, 0, 0};
  // SAME_*: the output has ceil(in / stride) positions; the odd pad goes after (UPPER) or before.
  std::array<I, 4> result{};
  for (std::size_t d = 0; d < 2; ++d) {
    const auto in = ctx.shape(x)[2 + d];
    const auto out = (in + stride[d] - 1) / stride[d];
    const auto total =
        std::max<I>(0, (out - 1) * stride[d] + (kernel[d] - 1) * dilation[d] + 1 - in);
    const auto small = total / 2;
    const auto large = total - small;
    result[d] = mode == "SAME_UPPER" ? small : large;
    result[d + 2] = mode == "SAME_UPPER" ? large : small;
  }
  return result;
}

// The pads of ConvTranspose {top, left, bottom, right} and its output_padding: explicit, or those
// that give output_shape, or with auto_pad SAME_* an output of input * stride (ONNX's equations:
// the odd pad goes after with SAME_UPPER, before otherwise). An output_shape beyond what the pads
// can reach adds output padding after the bottom and right edges.
void transpose_pads(const NodeContext& ctx, NodeId x, Pair kernel, ConvTranspose2dParams& p) {
  const auto& a = ctx.attributes();
  const auto mode =
      a.get_choice("auto_pad", "NOTSET", {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"});
  const auto out_pad = a.get_ints("output_padding", std::vector<I>{0, 0});
  if (out_pad.size() != 2) {
    throw ModelError("attribute 'output_padding' is " + format(out_pad) +
                     "; lumen supports 2-D transposed convolutions only (two values, H and W)");
  }
  p.output_padding = {out_pad[0], out_pad[1]};
  std::optional<Pair> target;
  if (a.has("output_shape")) {
    auto shape = a.get_ints("output_shape");
    if (shape.size() != 2 && shape.size() != 4) {
      throw ModelError("attribute 'output_shape' is " + format(shape) +
                       "; it needs H and W (or N, C, H and W)");
    }
    target = Pair{shape[shape.size() - 2], shape[shape.size() - 1]};
  } else if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
    const auto& in = ctx.shape(x);
    target = Pair{in[2] * p.stride[0], in[3] * p.stride[1]};
  }
  if (!target) {
    if (mode == "VALID") return;
    const auto pads = a.get_ints("pads", std::vector<I>{0, 0, 0, 0});
    if (pads.size() != 4) {
      throw ModelError("attribute 'pads' is " + format(pads) +
                       "; a 2-D window needs four values (top, left, bottom, right)");
    }
    p.pads = {pads[0], pads[1], pads[2], pads[3]};
    return;
  }
  for (std::size_t d = 0; d < 2; ++d) {
    const auto in = ctx.shape(x)[2 + d];
    const auto total = p.stride[d] * (in - 1) + p.output_padding[d] +
                       (kernel[d] - 1) * p.dilation[d] + 1 - (*target)[d];
    if (total < 0) {
      p.output_padding[d] -= total;
      continue;
    }
    const auto small = total / 2, large = total - small;
    p.pads[d] = mode == "SAME_UPPER" ? small : large;
    p.pads[d + 2] = mode == "SAME_UPPER" ? large : small;
  }
}

Pool2dParams pool_params(const NodeContext& ctx, NodeId x, bool has_dilations) {
  const auto& a = ctx.attributes();
  Pool2dParams p;
  p.kernel = pair_attribute(a, "kernel_shape", std::nullopt);
  p.stride = pair_attribute(a, "strides", Pair{1, 1});
  if (has_dilations) p.dilation = pair_attribute(a, "dilations", Pair{1, 1});
  p.pads = window_pads(ctx, x, p.kernel, p.stride, p.dilation);
  p.ceil_mode = a.get_flag("ceil_mode", false);
  return p;
}

}  // namespace

void import_conv(NodeContext& ctx) {
  const auto x = spatial_input(ctx);
  const auto& w = ctx.constant(1);
  if (w.shape.size() != 4) {
    throw ModelError("weight has shape " + to_string(w.shape) +
                     "; lumen supports 2-D convolutions only (weight [C_out, C_in/group, KH, KW])");
  }
  const auto& a = ctx.attributes();
  const Pair kernel{w.shape[2], w.shape[3]};
  if (a.has("kernel_shape") && pair_attribute(a, "kernel_shape", std::nullopt) != kernel) {
    throw ModelError("attribute 'kernel_shape' " + format(a.get_ints("kernel_shape")) +
                     " differs from the weight's " + to_string(w.shape));
  }
  Conv2dParams p;
  p.weight = w.tensor();
  if (ctx.has_input(2)) p.bias = ctx.constant(2).tensor();
  p.stride = pair_attribute(a, "strides", Pair{1, 1});
  p.dilation = pair_attribute(a, "dilations", Pair{1, 1});
  p.groups = a.get_int("group", 1);
  p.pads = window_pads(ctx, x, kernel, p.stride, p.dilation);
  ctx.add_layer(make_conv2d(std::move(p)), {x});
}

void import_conv_transpose(NodeContext& ctx) {
  const auto x = spatial_input(ctx);
  const auto& w = ctx.constant(1);
  if (w.shape.size() != 4) {
    throw ModelError("weight has shape " + to_string(w.shape) +
                     "; lumen supports 2-D transposed convolutions only (weight [C_in, "
                     "C_out/group, KH, KW])");
  }
  const auto& a = ctx.attributes();
  const Pair kernel{w.shape[2], w.shape[3]};
  if (a.has("kernel_shape") && pair_attribute(a, "kernel_shape", std::nullopt) != kernel) {
    throw ModelError("attribute 'kernel_shape' " + format(a.get_ints("kernel_shape")) +
                     " differs from the weight's " + to_string(w.shape));
  }
  ConvTranspose2dParams p;
  p.weight = w.tensor();
  if (ctx.has_input(2)) p.bias = ctx.constant(2).tensor();
  p.stride = pair_attribute(a, "strides", Pair{1, 1});
  p.dilation = pair_attribute(a, "dilations", Pair{1, 1});
  p.groups = a.get_int("group", 1);
  transpose_pads(ctx, x, kernel, p);
  ctx.add_layer(make_conv_transpose2d(std::move(p)), {x});
}

void import_max_pool(NodeContext& ctx) {
  const auto x = spatial_input(ctx);
  ctx.add_layer(make_max_pool2d(pool_params(ctx, x, true)), {x});
}

void import_average_pool(NodeContext& ctx) {
  const auto x = spatial_input(ctx);
  auto p = pool_params(ctx, x, false);
  p.count_include_pad = ctx.attributes().get_flag("count_include_pad", false);
  ctx.add_layer(make_avg_pool2d(p), {x});
}

void import_global_average_pool(NodeContext& ctx) {
  const auto x = spatial_input(ctx);
  ctx.add_layer(make_global_average_pool(), {x});
}

}  // namespace lumen::onnx_import
