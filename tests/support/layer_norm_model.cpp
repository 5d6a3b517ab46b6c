#include "layer_norm_model.hpp"

#include <cmath>
#include <lumen/layers.hpp>
#include <lumen/normalisation_layers.hpp>
#include <random>

namespace lumen::testing {

namespace {

Tensor normal(const Shape& shape, float scale, std::mt19937_64& rng) {
  std::normal_distribution<float> d(0.0F, scale);
  Tensor t(shape);
  for (float& v : t.values()) v = d(rng);
  return t;
}

std::shared_ptr<const Layer> conv(std::int64_t in, std::int64_t out, bool bias,
                                  std::mt19937_64& rng) {
  Conv2dParams p;
  p.weight = normal({out, in, 3, 3}, 1.0F / std::sqrt(9.0F * static_cast<float>(in)), rng);
  if (bias) p.bias = normal({out}, 0.1F, rng);
  p.pads = {1, 1, 1, 1};
  return make_conv2d(std::move(p));
}

}  // namespace

Model layer_norm_net(std::uint64_t seed, bool bias) {
  std::mt19937_64 rng(seed);
  Graph g;
  auto x = g.add_input("input", {3, 5, 5});
  auto c1 = g.add_node("conv1", "", conv(3, 6, bias, rng), {x});
  auto nhwc = g.add_node("to_nhwc", "", make_transpose({0, 2, 3, 1}), {c1});
  Tensor gamma = normal({6}, 0.5F, rng);
  for (float& v : gamma.values()) v += 1.0F;
  std::optional<Tensor> beta;
  if (bias) beta = normal({6}, 0.2F, rng);
  auto ln =
      g.add_node("ln", "", make_layer_norm(-1, std::move(gamma), std::move(beta), 1e-6F), {nhwc});
  auto nchw = g.add_node("to_nchw", "", make_transpose({0, 3, 1, 2}), {ln});
  auto c2 = g.add_node("conv2", "", conv(6, 5, bias, rng), {nchw});
  auto relu = g.add_node("relu", "", make_relu(), {c2});
  auto rows = g.add_node("row_mean", "", make_reduce_mean({3}, false), {relu});
  auto flat = g.add_node("flatten", "", make_flatten(1), {rows});
  std::optional<Tensor> fc_bias;
  if (bias) fc_bias = normal({4}, 0.1F, rng);
  auto fc = g.add_node("fc", "logits", make_linear(normal({4, 25}, 0.3F, rng), fc_bias), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{3, 5, 5}, {}, {}});
}

}  // namespace lumen::testing
