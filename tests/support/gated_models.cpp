#include "gated_models.hpp"

#include <lumen/binary_layers.hpp>
#include <lumen/layers.hpp>
#include <optional>

#include "gradcheck.hpp"

namespace lumen::testing {

namespace {

std::shared_ptr<const Layer> conv(std::int64_t in, std::int64_t out, std::int64_t k, bool bias,
                                  std::uint64_t seed) {
  Conv2dParams p;
  p.weight = random_tensor({out, in, k, k}, seed, -1.0F, 1.0F);
  if (bias) p.bias = random_tensor({out}, seed + 1, -0.5F, 0.5F);
  const auto pad = (k - 1) / 2;
  p.pads = {pad, pad, pad, pad};
  return make_conv2d(p);
}

std::optional<Tensor> bias_of(bool bias, std::int64_t size, std::uint64_t seed) {
  if (!bias) return std::nullopt;
  return random_tensor({size}, seed, -0.5F, 0.5F);
}

}  // namespace

Model se_block_model(bool gate_first, bool bias) {
  Graph g;
  const auto in = g.add_input("input", {2, 4, 4});
  const auto c = g.add_node("conv", "", conv(2, 4, 3, bias, 21), {in});
  const auto signal = g.add_node("signal", "", make_relu(), {c});
  const auto squeeze = g.add_node("squeeze", "", make_global_average_pool(), {signal});
  const auto reduce = g.add_node("reduce", "", conv(4, 2, 1, bias, 23), {squeeze});
  const auto reduced = g.add_node("reduce_relu", "", make_relu(), {reduce});
  const auto expand = g.add_node("expand", "", conv(2, 4, 1, bias, 25), {reduced});
  const auto gate = g.add_node("gate", "", make_sigmoid(), {expand});
  const auto scale = g.add_node(
      "scale", "", make_mul(),
      gate_first ? std::vector<NodeId>{gate, signal} : std::vector<NodeId>{signal, gate});
  const auto pool = g.add_node("pool", "", make_global_average_pool(), {scale});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {pool});
  const auto fc =
      g.add_node("fc", "logits",
                 make_linear(random_tensor({3, 4}, 27, -1.0F, 1.0F), bias_of(bias, 3, 28)), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

Model silu_model(bool bias) {
  Graph g;
  const auto in = g.add_input("input", {2, 4, 4});
  const auto c = g.add_node("conv", "", conv(2, 3, 3, bias, 31), {in});
  const auto sig = g.add_node("sigmoid", "", make_sigmoid(), {c});
  const auto silu = g.add_node("silu", "", make_mul(), {c, sig});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {silu});
  const auto fc = g.add_node(
      "fc", "logits", make_linear(random_tensor({3, 48}, 33, -1.0F, 1.0F), bias_of(bias, 3, 34)),
      {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

}  // namespace lumen::testing
