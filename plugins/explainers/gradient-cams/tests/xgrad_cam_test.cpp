#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>

#include "explain_helpers.hpp"
#include "gradient_cam_test_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// input [N,2,4,4] -> Conv 4x4 (2->3) [N,3,1,1] -> edge Pad to [N,3,3,3] ("features": every map is
// constant over space) -> Conv 2x2 (3->2) -> ReLU -> Flatten -> Linear (8->4). The gradient at
// "features" varies over space, the maps do not.
Model constant_map_model(std::uint64_t seed) {
  Graph g;
  auto x = g.add_input("input", {2, 4, 4});
  Conv2dParams c1;
  c1.weight = random_tensor({3, 2, 4, 4}, seed);
  auto squeeze = g.add_node("squeeze", "", make_conv2d(c1), {x});
  auto f = g.add_node("features", "", make_pad({0, 0, 1, 1, 0, 0, 1, 1}, PadMode::edge, 0.0F),
                      {squeeze});
  Conv2dParams c2;
  c2.weight = random_tensor({2, 3, 2, 2}, seed + 1);
  auto conv = g.add_node("conv", "", make_conv2d(c2), {f});
  auto relu = g.add_node("relu", "", make_relu(), {conv});
  auto flat = g.add_node("flatten", "", make_flatten(1), {relu});
  auto fc = g.add_node("fc", "logits", make_linear(random_tensor({4, 8}, seed + 2), std::nullopt),
                       {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

}  // namespace

TEST_CASE("xgrad-cam matches the hand-derived map", "[xgrad-cam]") {
  // d logit_c / d features^k_ij = W[c][4k + 2i + j]: XGrad-CAM is computable by hand.
  const Tensor w = random_tensor({3, 8}, 11);
  check_hand_derived("xgrad-cam", w, false, 1e-5, [&](std::int64_t c, const Tensor& a) {
    double alpha[2];
    for (int k = 0; k < 2; ++k) {
      double total = 0.0, weighted = 0.0;
      for (int p = 0; p < 4; ++p) {
        total += a[k * 4 + p];
        weighted += a[k * 4 + p] * w[c * 8 + k * 4 + p];
      }
      alpha[k] = weighted / (total + 1e-7);
    }
    std::array<double, 4> map{};
    for (int p = 0; p < 4; ++p) map[p] = alpha[0] * a[p] + alpha[1] * a[4 + p];
    return map;
  });
}

TEST_CASE("xgrad-cam equals grad-cam when every map is constant over space", "[xgrad-cam]") {
  for (std::uint64_t seed : {5U, 6U, 7U}) {
    const auto model = constant_map_model(seed);
    const auto layer = model.graph().at("features");
    const Tensor x = random_tensor(model.batch_shape(2), seed);
    for (std::int64_t c = 0; c < 4; ++c) {
      const std::map<std::string, std::string> no_relu{{"relu", "false"}};
      const auto xg = explain("xgrad-cam", model, x, {c, 3 - c}, no_relu, layer);
      const auto g = explain("grad-cam", model, x, {c, 3 - c}, no_relu, layer);
      REQUIRE(xg.layer_map.shape() == Shape{2, 1, 3, 3});
      CHECK(relative_difference(xg.layer_map, g.layer_map) < 1e-4);
      // The property is not vacuous: the gradient at the layer varies over space.
      CHECK(std::abs(sum(g.layer_map)) > 0.0);
    }
  }
}

TEST_CASE("xgrad-cam differs from grad-cam when the maps vary over space", "[xgrad-cam]") {
  const auto model = pooled_model(random_tensor({3, 8}, 12), false);
  const Tensor x = random_tensor(model.batch_shape(1), 8, 0.1F, 1.0F);
  const std::map<std::string, std::string> no_relu{{"relu", "false"}};
  const auto layer = model.graph().at("features");
  const auto xg = explain("xgrad-cam", model, x, {0}, no_relu, layer);
  const auto g = explain("grad-cam", model, x, {0}, no_relu, layer);
  CHECK(relative_difference(xg.layer_map, g.layer_map) > 1e-2);
}

TEST_CASE("xgrad-cam stays finite on a map that sums to zero", "[xgrad-cam]") {
  // All-negative input: ReLU zeroes every map, so sum_ab A_ab = 0 and only the epsilon guard
  // keeps alpha finite.
  Graph g;
  auto x = g.add_input("input", {2, 2, 2});
  auto f = g.add_node("features", "", make_relu(), {x});
  auto flat = g.add_node("flatten", "", make_flatten(1), {f});
  auto fc = g.add_node("fc", "logits", make_linear(random_tensor({2, 8}, 3), std::nullopt), {flat});
  g.finalize(fc);
  const Model model(std::move(g), InputSpec{{2, 2, 2}, {}, {}});
  const Tensor input = random_tensor(model.batch_shape(1), 4, -1.0F, -0.1F);
  const auto r = explain("xgrad-cam", model, input, {1}, {{"relu", "false"}});
  for (float v : r.layer_map.values()) CHECK(v == 0.0F);
}
