#include "normalised_models.hpp"

#include <lumen/binary_layers.hpp>
#include <lumen/layers.hpp>
#include <lumen/math_layers.hpp>

#include "gradcheck.hpp"

#include "random_layers.hpp"

namespace lumen::testing {

Model quotient_model(bool bias) {
  Graph g;
  const auto in = g.add_input("input", {2, 4, 4});
  const auto c = g.add_node("conv", "", uniform_conv(2, 3, 3, bias, 51), {in});
  const auto signal = g.add_node("signal", "", make_relu(), {c});
  const auto s = g.add_node("scale_conv", "", uniform_conv(2, 1, 1, bias, 53), {in});
  const auto sig = g.add_node("scale_sigmoid", "", make_sigmoid(), {s});
  const auto divisor = g.add_node("divisor", "", make_add_constant(Tensor({}, 1.0F)), {sig});
  const auto q = g.add_node("normalise", "", make_div(), {signal, divisor});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {q});
  const auto fc = g.add_node("fc", "logits", uniform_linear(48, 3, bias, 55), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

Model mlp_block_model(bool bias) {
  Graph g;
  const auto in = g.add_input("input", {2, 4, 4});
  const auto c = g.add_node("conv", "", uniform_conv(2, 3, 3, bias, 61), {in});
  const auto nhwc = g.add_node("to_nhwc", "", make_transpose({0, 2, 3, 1}), {c});
  const auto fc1 = g.add_node("fc1", "", uniform_linear(3, 6, bias, 63), {nhwc});
  const auto gelu = g.add_node("gelu", "", make_gelu(GeluApproximation::none), {fc1});
  const auto fc2 = g.add_node("fc2", "", uniform_linear(6, 3, bias, 65), {gelu});
  const auto nchw = g.add_node("to_nchw", "", make_transpose({0, 3, 1, 2}), {fc2});
  const auto scaled = g.add_node(
      "layer_scale", "", make_mul_constant(random_tensor({3, 1, 1}, 67, 0.2F, 1.0F)), {nchw});
  const auto residual = g.add_node("residual", "", make_add(), {c, scaled});
  const auto pool = g.add_node("pool", "", make_global_average_pool(), {residual});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {pool});
  const auto fc = g.add_node("fc", "logits", uniform_linear(3, 3, bias, 69), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

}  // namespace lumen::testing
