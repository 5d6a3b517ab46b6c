#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// input [N,2,4,4] -> MaxPool 2 ("features", [N,2,2,2]) -> Flatten -> Linear W [3,8] (no bias).
// d logit_c / d features^k_ij = W[c][4k + 2i + j]: XGrad-CAM is computable by hand.
Model pooled_dense_model(const Tensor& w) {
  Graph g;
  auto x = g.add_input("input", {2, 4, 4});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  auto f = g.add_node("features", "", make_max_pool2d(pool), {x});
  auto flat = g.add_node("flatten", "", make_flatten(1), {f});
  auto fc = g.add_node("fc", "logits", make_linear(w, std::nullopt), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

// The max of each 2x2 block of a [1,2,4,4] input.
Tensor pooled(const Tensor& x) {
  Tensor features({1, 2, 2, 2});
  for (int k = 0; k < 2; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        float m = -1e30F;
        for (int di = 0; di < 2; ++di)
          for (int dj = 0; dj < 2; ++dj) m = std::max(m, x[k * 16 + (2 * i + di) * 4 + 2 * j + dj]);
        features[k * 4 + i * 2 + j] = m;
      }
  return features;
}

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
  const Tensor w = random_tensor({3, 8}, 11);
  const auto model = pooled_dense_model(w);
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    const Tensor a = pooled(x);
    for (std::int64_t c = 0; c < 3; ++c) {
      const auto r =
          explain("xgrad-cam", model, x, {c}, {{"relu", "false"}}, model.graph().at("features"));
      const auto with_relu = explain("xgrad-cam", model, x, {c}, {}, model.graph().at("features"));
      REQUIRE(r.layer_map.shape() == Shape{1, 1, 2, 2});
      double alpha[2];
      for (int k = 0; k < 2; ++k) {
        double total = 0.0, weighted = 0.0;
        for (int p = 0; p < 4; ++p) {
          total += a[k * 4 + p];
          weighted += a[k * 4 + p] * w[c * 8 + k * 4 + p];
        }
        alpha[k] = weighted / (total + 1e-7);
      }
      for (int p = 0; p < 4; ++p) {
        const double expected = alpha[0] * a[p] + alpha[1] * a[4 + p];
        CHECK(r.layer_map[p] == Approx(expected).margin(1e-5));
        CHECK(with_relu.layer_map[p] == Approx(std::max(0.0, expected)).margin(1e-5));
      }
      CHECK(relative_difference(r.map, upsample_bilinear(r.layer_map, 4, 4)) == 0.0);
      CHECK(r.passes.forward == 1);
      CHECK(r.passes.backward == 1);
    }
  }
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
  const auto model = pooled_dense_model(random_tensor({3, 8}, 12));
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

TEST_CASE("xgrad-cam picks the last spatial layer by default and refuses a flat one",
          "[xgrad-cam]") {
  const auto model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(2), 9);
  const auto a = explain("xgrad-cam", model, x, {1, 4});
  REQUIRE(a.layer.has_value());
  CHECK(model.graph().node(*a.layer).name == "features");
  CHECK(a.map.shape() == Shape{2, 1, 8, 8});
  CHECK_THROWS_WITH(explain("xgrad-cam", model, x, {1, 4}, {}, model.graph().at("fc")),
                    Catch::Contains("'fc'") && Catch::Contains("spatial"));
}
