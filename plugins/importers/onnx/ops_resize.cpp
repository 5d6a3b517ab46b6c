// Upsample and Resize of the spatial axes of [N, C, H, W] activations (the core's
// layers/resize.cpp), with scales or sizes known at import time.
#include <cmath>

#include "lumen/error.hpp"
#include "lumen/resize.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;

NodeId spatial_input(NodeContext& ctx) {
  const auto x = ctx.activation(0);
  if (ctx.shape(x).size() != 4) {
    throw ModelError("input has shape " + to_string(ctx.shape(x)) +
                     "; lumen resizes [N, C, H, W] tensors only");
  }
  return x;
}

std::string format(const std::vector<float>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(values[i]);
  }
  return out + "]";
}

ResizeMode mode_of(const NodeContext& ctx) {
  const auto mode = ctx.attributes().get_choice("mode", "nearest", {"nearest", "linear", "cubic"});
  if (mode == "cubic") {
    throw ModelError("mode 'cubic' is not supported; lumen resizes with 'nearest' or 'linear'");
  }
  return mode == "nearest" ? ResizeMode::nearest : ResizeMode::linear;
}

// H and W of four scales [N, C, H, W], whose N and C must be 1.
std::array<double, 2> spatial_scales(const std::vector<float>& scales) {
  if (scales.size() != 4) {
    throw ModelError("scales " + format(scales) + " must have four values, for N, C, H and W");
  }
  if (scales[0] != 1.0F || scales[1] != 1.0F) {
    throw ModelError("scales " + format(scales) +
                     " resize the batch or channel axis; lumen resizes H and W only (their "
                     "scales must be 1)");
  }
  for (auto s : {scales[2], scales[3]}) {
    if (!(s > 0.0F) || !std::isfinite(s)) {
      throw ModelError("scales " + format(scales) + " must be positive numbers");
    }
  }
  return {scales[2], scales[3]};
}

std::vector<float> float_input(const NodeContext& ctx, int input, const std::string& what) {
  const auto& c = ctx.constant(input);
  if (c.integer) throw ModelError(what + " must be a float tensor");
  return c.floats;
}

// Output H and W from sizes [N, C, H, W], whose N and C must be the input's.
std::array<I, 2> spatial_sizes(const NodeContext& ctx, NodeId x) {
  const auto& c = ctx.constant(3);
  const auto& in = ctx.shape(x);
  const auto described = [&] {
    return "sizes " + to_string(Shape(c.ints.begin(), c.ints.end())) + " for input " +
           to_string(in);
  };
  if (!c.integer || c.ints.size() != 4) {
    throw ModelError(described() + " must be four integers, for N, C, H and W");
  }
  const auto batch = c.ints[0];
  const bool same_batch =
      batch == batch_marker || batch == ctx.static_batch().value_or(batch_marker);
  if (!same_batch || c.ints[1] != in[1]) {
    throw ModelError(described() + " resize the batch or channel axis; lumen resizes H and W only");
  }
  if (c.ints[2] < 1 || c.ints[3] < 1) throw ModelError(described() + " must be positive");
  return {c.ints[2], c.ints[3]};
}

ResizeCoordinates coordinates_of(const NodeContext& ctx) {
  const auto c =
      ctx.attributes().get_choice("coordinate_transformation_mode", "half_pixel",
                                  {"half_pixel", "pytorch_half_pixel", "align_corners",
                                   "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"});
  if (c == "tf_crop_and_resize") {
    throw ModelError("coordinate_transformation_mode 'tf_crop_and_resize' is not supported");
  }
  if (c == "pytorch_half_pixel") return ResizeCoordinates::pytorch_half_pixel;
  if (c == "align_corners") return ResizeCoordinates::align_corners;
  if (c == "asymmetric") return ResizeCoordinates::asymmetric;
  if (c == "tf_half_pixel_for_nn") return ResizeCoordinates::tf_half_pixel_for_nn;
  return ResizeCoordinates::half_pixel;
}

NearestRounding rounding_of(const NodeContext& ctx) {
  const auto r =
      ctx.attributes().get_choice("nearest_mode", "round_prefer_floor",
                                  {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"});
  if (r == "round_prefer_ceil") return NearestRounding::round_prefer_ceil;
  if (r == "floor") return NearestRounding::floor;
  if (r == "ceil") return NearestRounding::ceil;
  return NearestRounding::round_prefer_floor;
}

// Upsample (opset 9; lumen reads opsets from 9) and Resize 10: scales, the asymmetric transform and
// ONNX Runtime's legacy nearest rounding.
void import_scaled(NodeContext& ctx, const std::string& op) {
  const auto x = spatial_input(ctx);
  ResizeParams p;
  p.mode = mode_of(ctx);
  p.coordinates = ResizeCoordinates::asymmetric;
  p.rounding = NearestRounding::legacy;
  p.scales = spatial_scales(float_input(ctx, 1, "scales"));
  ctx.add_layer(make_resize(op, p), {x});
}

}  // namespace

void import_upsample(NodeContext& ctx) { import_scaled(ctx, "Upsample"); }

void import_resize(NodeContext& ctx) {
  if (ctx.opset() < 11) {
    import_scaled(ctx, "Resize");
    return;
  }
  const auto x = spatial_input(ctx);
  ResizeParams p;
  p.mode = mode_of(ctx);
  p.coordinates = coordinates_of(ctx);
  p.rounding = rounding_of(ctx);
  // Opset 11 writes an empty scales tensor when sizes are given; 13 may omit it.
  const bool has_scales = ctx.has_input(2) && !(ctx.is_constant(2) && ctx.constant(2).size() == 0);
  const bool has_sizes = ctx.has_input(3);
  if (has_scales == has_sizes) {
    throw ModelError("needs exactly one of scales and sizes; it has " +
                     std::string(has_scales ? "both" : "neither"));
  }
  if (has_scales) {
    p.scales = spatial_scales(float_input(ctx, 2, "scales"));
  } else {
    p.sizes = spatial_sizes(ctx, x);
  }
  ctx.add_layer(make_resize("Resize", p), {x});
}

}  // namespace lumen::onnx_import
