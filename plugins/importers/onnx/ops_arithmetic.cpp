// Add, Sub, Mul and Div: of two constants (folded), of an activation and a constant (affine
// layers, e.g. Keras Rescaling and Normalization), and of two activations (NumPy broadcasting:
// squeeze-and-excitation, SiLU, normalisation x / s). Mul and Div first try the GELU patterns.
#include "folding.hpp"
#include "gelu_pattern.hpp"
#include "lumen/binary_layers.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "lumen/math_layers.hpp"
#include "nhwc.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

// The activation input of an op with one constant input, in the layout lumen holds it.
struct Operand {
  NodeId node;
  bool nhwc_view;
};

Operand operand(const NodeContext& ctx, int i) { return {ctx.view_source(i), ctx.is_nhwc_view(i)}; }

// The constant input as a tensor broadcasting against the operand as lumen holds it.
Tensor constant_for(const Constant& c, const Operand& x) {
  return (x.nhwc_view ? constant_for_nchw(c) : c).tensor();
}

void add_affine(NodeContext& ctx, std::shared_ptr<const Layer> layer, const Operand& x) {
  ctx.add_layer(std::move(layer), {x.node});
  if (x.nhwc_view) ctx.mark_nhwc_view();
}

// Both inputs constant: folded. Returns false when there is work left for the caller.
bool fold_constants(NodeContext& ctx, Arithmetic op) {
  if (!ctx.is_constant(0) || !ctx.is_constant(1)) return false;
  ctx.set_constant(arithmetic_constants(ctx.constant(0), ctx.constant(1), op));
  return true;
}

// Both inputs computed from the input: the layer of two activations. Returns false otherwise.
bool two_activations(NodeContext& ctx, std::shared_ptr<const Layer> (*make)()) {
  if (ctx.is_constant(0) || ctx.is_constant(1)) return false;
  ctx.add_layer(make(), {ctx.activation(0), ctx.activation(1)});
  return true;
}

}  // namespace

void import_add(NodeContext& ctx) {
  if (fold_constants(ctx, Arithmetic::add)) return;
  if (two_activations(ctx, make_add)) return;
  const int c = ctx.is_constant(0) ? 0 : 1;
  const auto x = operand(ctx, 1 - c);
  add_affine(ctx, make_add_constant(constant_for(ctx.constant(c), x)), x);
}

void import_sub(NodeContext& ctx) {
  if (fold_constants(ctx, Arithmetic::sub)) return;
  if (two_activations(ctx, make_sub)) return;
  if (ctx.is_constant(1)) {
    // x - c = x + (-c).
    const auto x = operand(ctx, 0);
    Tensor c = constant_for(ctx.constant(1), x);
    for (auto& v : c.values()) v = -v;
    add_affine(ctx, make_add_constant(std::move(c)), x);
    return;
  }
  // c - x = (-1) x + c: a negation step, then the constant.
  const auto x = operand(ctx, 1);
  const auto negated =
      ctx.add_step(make_mul_constant(Tensor(Shape{}, std::vector<float>{-1.0F})), {x.node}, "neg");
  add_affine(ctx, make_add_constant(constant_for(ctx.constant(0), x)), {negated, x.nhwc_view});
}

void import_mul(NodeContext& ctx) {
  if (fold_constants(ctx, Arithmetic::mul)) return;
  if (fuse_gelu(ctx)) return;
  if (two_activations(ctx, make_mul)) return;
  const int c = ctx.is_constant(0) ? 0 : 1;
  const auto x = operand(ctx, 1 - c);
  add_affine(ctx, make_mul_constant(constant_for(ctx.constant(c), x)), x);
}

void import_div(NodeContext& ctx) {
  if (fold_constants(ctx, Arithmetic::div)) return;
  if (fuse_gelu(ctx)) return;
  if (two_activations(ctx, make_div)) return;
  if (ctx.is_constant(0)) {
    // c / x = c * (1 / x): the reciprocal, then the constant as a scaling.
    const auto reciprocal = ctx.add_step(make_reciprocal(), {ctx.activation(1)}, "reciprocal");
    ctx.add_layer(make_mul_constant(ctx.constant(0).tensor()), {reciprocal});
    return;
  }
  // x / c = x * (1 / c).
  const auto x = operand(ctx, 0);
  const auto& divisor = ctx.constant(1);
  Tensor reciprocal = constant_for(divisor, x);
  for (std::size_t i = 0; i < divisor.floats.size(); ++i) {
    if (divisor.floats[i] == 0.0F) {
      throw ModelError("the divisor '" + ctx.proto().input(1) + "' holds a zero (element " +
                       std::to_string(i) + "); lumen cannot divide by it");
    }
  }
  for (auto& v : reciprocal.values()) v = 1.0F / v;
  add_affine(ctx, make_mul_constant(std::move(reciprocal)), x);
}

}  // namespace lumen::onnx_import
