#include "shuffle_model.hpp"

#include <cmath>
#include <lumen/axis_selection.hpp>
#include <lumen/layers.hpp>
#include <random>

#include "random_layers.hpp"

namespace lumen::testing {

// Biases as large as a weight of fan-in 10.
const float kBiasStddev = 1.0F / std::sqrt(10.0F);

Model shuffle_net(std::uint64_t seed, bool bias) {
  std::mt19937_64 rng(seed);
  Graph g;
  auto x = g.add_input("input", {4, 6, 6});
  auto stem = g.add_node("stem", "", normal_conv(4, 4, 3, bias, kBiasStddev, rng), {x});
  auto stem_relu = g.add_node("stem_relu", "", make_relu(), {stem});
  auto left =
      g.add_node("split", "x1", make_axis_selection("Split", {1, {0, 1}, false}), {stem_relu});
  auto right = g.add_node("split/output_1", "x2", make_axis_selection("Split", {1, {2, 3}, false}),
                          {stem_relu});
  auto branch =
      g.add_node("branch_conv", "", normal_conv(2, 2, 1, bias, kBiasStddev, rng), {right});
  auto branch_relu = g.add_node("branch_relu", "", make_relu(), {branch});
  auto cat = g.add_node("concat", "", make_concat(1), {left, branch_relu});
  auto grouped = g.add_node("shuffle_view", "", make_reshape({2, 2, 6, 6}), {cat});
  auto swapped = g.add_node("shuffle_transpose", "", make_transpose({0, 2, 1, 3, 4}), {grouped});
  auto shuffled = g.add_node("shuffle_back", "", make_reshape({4, 6, 6}), {swapped});
  auto conv2 = g.add_node("conv2", "", normal_conv(4, 4, 3, bias, kBiasStddev, rng), {shuffled});
  auto relu2 = g.add_node("features", "", make_relu(), {conv2});
  auto gap = g.add_node("gap", "", make_global_average_pool(), {relu2});
  auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  auto picked =
      g.add_node("gather", "", make_axis_selection("Gather", {1, {3, 0, 3}, false}), {flat});
  auto fc_bias = normal_bias(bias, 3, kBiasStddev, rng);
  auto fc_weight = normal_tensor({3, 3}, 1.0F / std::sqrt(3.0F), rng);
  auto fc =
      g.add_node("fc", "logits", make_linear(std::move(fc_weight), std::move(fc_bias)), {picked});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{4, 6, 6}, {}, {}});
}

}  // namespace lumen::testing
