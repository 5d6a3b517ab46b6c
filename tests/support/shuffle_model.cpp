#include "shuffle_model.hpp"

#include <cmath>
#include <lumen/axis_selection.hpp>
#include <lumen/layers.hpp>
#include <random>

namespace lumen::testing {

namespace {

Tensor normal(const Shape& shape, std::int64_t fan_in, std::mt19937_64& rng) {
  std::normal_distribution<float> d(0.0F, 1.0F / std::sqrt(static_cast<float>(fan_in)));
  Tensor t(shape);
  for (float& v : t.values()) v = d(rng);
  return t;
}

std::shared_ptr<const Layer> conv(std::int64_t in, std::int64_t out, std::int64_t k, bool bias,
                                  std::mt19937_64& rng) {
  Conv2dParams p;
  p.weight = normal({out, in, k, k}, in * k * k, rng);
  if (bias) p.bias = normal({out}, 10, rng);
  p.pads = {k / 2, k / 2, k / 2, k / 2};
  return make_conv2d(std::move(p));
}

}  // namespace

Model shuffle_net(std::uint64_t seed, bool bias) {
  std::mt19937_64 rng(seed);
  Graph g;
  auto x = g.add_input("input", {4, 6, 6});
  auto stem = g.add_node("stem", "", conv(4, 4, 3, bias, rng), {x});
  auto stem_relu = g.add_node("stem_relu", "", make_relu(), {stem});
  auto left =
      g.add_node("split", "x1", make_axis_selection("Split", {1, {0, 1}, false}), {stem_relu});
  auto right = g.add_node("split/output_1", "x2", make_axis_selection("Split", {1, {2, 3}, false}),
                          {stem_relu});
  auto branch = g.add_node("branch_conv", "", conv(2, 2, 1, bias, rng), {right});
  auto branch_relu = g.add_node("branch_relu", "", make_relu(), {branch});
  auto cat = g.add_node("concat", "", make_concat(1), {left, branch_relu});
  auto grouped = g.add_node("shuffle_view", "", make_reshape({2, 2, 6, 6}), {cat});
  auto swapped = g.add_node("shuffle_transpose", "", make_transpose({0, 2, 1, 3, 4}), {grouped});
  auto shuffled = g.add_node("shuffle_back", "", make_reshape({4, 6, 6}), {swapped});
  auto conv2 = g.add_node("conv2", "", conv(4, 4, 3, bias, rng), {shuffled});
  auto relu2 = g.add_node("features", "", make_relu(), {conv2});
  auto gap = g.add_node("gap", "", make_global_average_pool(), {relu2});
  auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  auto picked =
      g.add_node("gather", "", make_axis_selection("Gather", {1, {3, 0, 3}, false}), {flat});
  std::optional<Tensor> fc_bias;
  if (bias) fc_bias = normal({3}, 10, rng);
  auto fc = g.add_node("fc", "logits", make_linear(normal({3, 3}, 3, rng), fc_bias), {picked});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{4, 6, 6}, {}, {}});
}

}  // namespace lumen::testing
