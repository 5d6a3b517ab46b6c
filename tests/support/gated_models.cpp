#include "gated_models.hpp"

#include <lumen/binary_layers.hpp>
#include <lumen/layers.hpp>

#include "random_layers.hpp"

namespace lumen::testing {

Model se_block_model(bool gate_first, bool bias) {
  Graph g;
  const auto in = g.add_input("input", {2, 4, 4});
  const auto c = g.add_node("conv", "", uniform_conv(2, 4, 3, bias, 21), {in});
  const auto signal = g.add_node("signal", "", make_relu(), {c});
  const auto squeeze = g.add_node("squeeze", "", make_global_average_pool(), {signal});
  const auto reduce = g.add_node("reduce", "", uniform_conv(4, 2, 1, bias, 23), {squeeze});
  const auto reduced = g.add_node("reduce_relu", "", make_relu(), {reduce});
  const auto expand = g.add_node("expand", "", uniform_conv(2, 4, 1, bias, 25), {reduced});
  const auto gate = g.add_node("gate", "", make_sigmoid(), {expand});
  const auto scale = g.add_node(
      "scale", "", make_mul(),
      gate_first ? std::vector<NodeId>{gate, signal} : std::vector<NodeId>{signal, gate});
  const auto pool = g.add_node("pool", "", make_global_average_pool(), {scale});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {pool});
  const auto fc = g.add_node("fc", "logits", uniform_linear(4, 3, bias, 27), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

Model silu_model(bool bias) {
  Graph g;
  const auto in = g.add_input("input", {2, 4, 4});
  const auto c = g.add_node("conv", "", uniform_conv(2, 3, 3, bias, 31), {in});
  const auto sig = g.add_node("sigmoid", "", make_sigmoid(), {c});
  const auto silu = g.add_node("silu", "", make_mul(), {c, sig});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {silu});
  const auto fc = g.add_node("fc", "logits", uniform_linear(48, 3, bias, 33), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

}  // namespace lumen::testing
