#include <limits>

#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

constexpr float infinity = std::numeric_limits<float>::infinity();

// Clip's bound from input i (opset >= 11): a constant with one float value, or `absent` when the
// input is omitted. A bound computed from the model input is refused.
float clip_bound(const NodeContext& ctx, int i, const char* which, float absent) {
  if (!ctx.has_input(i)) return absent;
  if (!ctx.is_constant(i)) {
    throw ModelError(std::string(which) + " (input " + std::to_string(i) +
                     ") is computed from the model input; lumen needs a constant bound");
  }
  const auto& bound = ctx.constant(i);
  if (bound.integer || bound.size() != 1) {
    throw ModelError(std::string(which) + " (input " + std::to_string(i) +
                     ") must be one float, got " + (bound.integer ? "integers " : "floats ") +
                     to_string(bound.shape));
  }
  return bound.floats.front();
}

}  // namespace

void import_relu(NodeContext& ctx) { ctx.add_layer(make_relu(), {ctx.activation(0)}); }

void import_leaky_relu(NodeContext& ctx) {
  ctx.add_layer(make_leaky_relu(ctx.attributes().get_float("alpha", 0.01F)), {ctx.activation(0)});
}

void import_sigmoid(NodeContext& ctx) { ctx.add_layer(make_sigmoid(), {ctx.activation(0)}); }

void import_tanh(NodeContext& ctx) { ctx.add_layer(make_tanh(), {ctx.activation(0)}); }

// Before opset 11 the bounds are attributes, from 11 on optional inputs; an absent bound is no
// bound (ONNX's default is the largest float, which differs only on infinite inputs).
void import_clip(NodeContext& ctx) {
  const auto x = ctx.activation(0);
  float low = -infinity;
  float high = infinity;
  if (ctx.opset() < 11) {
    low = ctx.attributes().get_float("min", -infinity);
    high = ctx.attributes().get_float("max", infinity);
  } else {
    low = clip_bound(ctx, 1, "min", -infinity);
    high = clip_bound(ctx, 2, "max", infinity);
  }
  ctx.add_layer(make_clip(low, high), {x});
}

void import_hard_sigmoid(NodeContext& ctx) {
  const auto& a = ctx.attributes();
  ctx.add_layer(make_hard_sigmoid(a.get_float("alpha", 0.2F), a.get_float("beta", 0.5F)),
                {ctx.activation(0)});
}

void import_hard_swish(NodeContext& ctx) { ctx.add_layer(make_hard_swish(), {ctx.activation(0)}); }

}  // namespace lumen::onnx_import
