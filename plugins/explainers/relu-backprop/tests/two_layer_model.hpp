#pragma once
// The hand-computed network both ReLU backprop tests use.
#include <lumen/layers.hpp>
#include <lumen/model.hpp>

namespace relu_backprop_test {

/// input [N,1,2,2] -> Flatten -> Linear W1 (3x4, no bias) -> ReLU -> Linear W2 (2x3, no bias).
/// For x = (1, 2, -1, 0.5): z = W1 x = (3, -3, 2), so the ReLU is active at units 0 and 2.
inline lumen::Model two_layer_model() {
  using namespace lumen;
  Graph g;
  auto x = g.add_input("input", {1, 2, 2});
  auto flat = g.add_node("flatten", "", make_flatten(1), {x});
  const Tensor w1({3, 4}, {1, 1, 0, 0, 0, -1, 1, 0, 1, 0, 0, 2});
  const Tensor w2({2, 3}, {2, 5, -1, -1, 1, 3});
  auto fc1 = g.add_node("fc1", "", make_linear(w1, std::nullopt), {flat});
  auto relu = g.add_node("relu", "", make_relu(), {fc1});
  auto fc2 = g.add_node("fc2", "logits", make_linear(w2, std::nullopt), {relu});
  g.finalize(fc2);
  return Model(std::move(g), InputSpec{{1, 2, 2}, {}, {}});
}

}  // namespace relu_backprop_test
