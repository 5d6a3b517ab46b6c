// Element-wise mathematical functions: Erf, Sqrt, Pow by a constant exponent, Reciprocal,
// Exp, Abs and Neg. Of a constant they are folded; of an activation they are activation layers
// (Neg a linear scaling by -1, so that the LRP rules apply to it).
#include <cmath>
#include <functional>

#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "lumen/math_layers.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

// y = f(x): folded when x is a constant, else `make()` applied to the activation.
void unary(NodeContext& ctx, const std::function<float(float)>& f,
           const std::function<std::shared_ptr<const Layer>()>& make) {
  if (ctx.is_constant(0)) {
    Constant c = ctx.constant(0);
    if (c.integer) throw ModelError("the input is an integer constant; lumen folds only floats");
    for (auto& v : c.floats) v = f(v);
    ctx.set_constant(std::move(c));
    return;
  }
  ctx.add_layer(make(), {ctx.activation(0)});
}

}  // namespace

void import_erf(NodeContext& ctx) {
  unary(
      ctx, [](float v) { return std::erf(v); }, make_erf);
}

void import_sqrt(NodeContext& ctx) {
  unary(
      ctx, [](float v) { return std::sqrt(v); }, make_sqrt);
}

void import_reciprocal(NodeContext& ctx) {
  unary(
      ctx, [](float v) { return 1.0F / v; }, make_reciprocal);
}

void import_exp(NodeContext& ctx) {
  unary(
      ctx, [](float v) { return std::exp(v); }, make_exp);
}

void import_abs(NodeContext& ctx) {
  unary(
      ctx, [](float v) { return std::fabs(v); }, make_abs);
}

void import_neg(NodeContext& ctx) {
  unary(
      ctx, [](float v) { return -v; },
      [] { return make_mul_constant(Tensor(Shape{}, std::vector<float>{-1.0F})); });
}

// The exponent must be one constant float (or integer); a tensor of exponents or one computed
// from the input is refused.
void import_pow(NodeContext& ctx) {
  if (!ctx.is_constant(1)) {
    throw ModelError("the exponent '" + ctx.proto().input(1) +
                     "' is computed from the model input; lumen needs a constant exponent");
  }
  const auto& e = ctx.constant(1);
  if (e.size() != 1) {
    throw ModelError("the exponent '" + ctx.proto().input(1) + "' has shape " + to_string(e.shape) +
                     "; lumen needs one constant exponent for all elements");
  }
  const float exponent = e.integer ? static_cast<float>(e.ints.front()) : e.floats.front();
  unary(
      ctx, [exponent](float v) { return std::pow(v, exponent); },
      [exponent] { return make_pow(exponent); });
}

}  // namespace lumen::onnx_import
