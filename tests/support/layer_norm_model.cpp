#include "layer_norm_model.hpp"

#include <cmath>
#include <lumen/layers.hpp>
#include <lumen/normalisation_layers.hpp>
#include <random>

#include "random_layers.hpp"

namespace lumen::testing {

Model layer_norm_net(std::uint64_t seed, bool bias) {
  std::mt19937_64 rng(seed);
  Graph g;
  auto x = g.add_input("input", {3, 5, 5});
  auto c1 = g.add_node("conv1", "", normal_conv(3, 6, 3, bias, 0.1F, rng), {x});
  auto nhwc = g.add_node("to_nhwc", "", make_transpose({0, 2, 3, 1}), {c1});
  Tensor gamma = normal_tensor({6}, 0.5F, rng);
  for (float& v : gamma.values()) v += 1.0F;
  auto beta = normal_bias(bias, 6, 0.2F, rng);
  auto ln =
      g.add_node("ln", "", make_layer_norm(-1, std::move(gamma), std::move(beta), 1e-6F), {nhwc});
  auto nchw = g.add_node("to_nchw", "", make_transpose({0, 3, 1, 2}), {ln});
  auto c2 = g.add_node("conv2", "", normal_conv(6, 5, 3, bias, 0.1F, rng), {nchw});
  auto relu = g.add_node("relu", "", make_relu(), {c2});
  auto rows = g.add_node("row_mean", "", make_reduce_mean({3}, false), {relu});
  auto flat = g.add_node("flatten", "", make_flatten(1), {rows});
  auto fc_bias = normal_bias(bias, 4, 0.1F, rng);
  auto fc_weight = normal_tensor({4, 25}, 0.3F, rng);
  auto fc =
      g.add_node("fc", "logits", make_linear(std::move(fc_weight), std::move(fc_bias)), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{3, 5, 5}, {}, {}});
}

Tensor layer_norm_by_definition(const Tensor& x, std::int64_t n, const Tensor& scale,
                                const Tensor* bias, double epsilon) {
  using I = std::int64_t;
  Tensor y(x.shape());
  for (I g = 0; g < x.size() / n; ++g) {
    double mean = 0.0, var = 0.0;
    for (I i = 0; i < n; ++i) mean += x[g * n + i] / static_cast<double>(n);
    for (I i = 0; i < n; ++i) var += std::pow(x[g * n + i] - mean, 2) / static_cast<double>(n);
    for (I i = 0; i < n; ++i) {
      y[g * n + i] = static_cast<float>(scale[i % scale.size()] * (x[g * n + i] - mean) /
                                            std::sqrt(var + epsilon) +
                                        (bias ? (*bias)[i % bias->size()] : 0.0F));
    }
  }
  return y;
}

}  // namespace lumen::testing
