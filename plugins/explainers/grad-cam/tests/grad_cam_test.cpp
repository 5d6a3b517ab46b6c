#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// input [N,2,4,4] -> MaxPool 2 ("features", [N,2,2,2]) -> GAP -> Flatten -> Linear W (no bias).
// The gradient of logit c with respect to features^k_ij is W[c][k] / 4, so alpha_k = W[c][k] / 4
// and Grad-CAM = ReLU(sum_k W[c][k] / 4 * features^k): computable by hand.
Model pooled_linear_model(const Tensor& w) {
  Graph g;
  auto x = g.add_input("input", {2, 4, 4});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  auto f = g.add_node("features", "", make_max_pool2d(pool), {x});
  auto gap = g.add_node("gap", "", make_global_average_pool(), {f});
  auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  auto fc = g.add_node("fc", "logits", make_linear(w, std::nullopt), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

}  // namespace

TEST_CASE("grad-cam matches the hand-derived map", "[grad-cam]") {
  const Tensor w({3, 2}, {1.0F, 2.0F, 3.0F, -1.0F, -1.0F, -0.5F});
  const auto model = pooled_linear_model(w);
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    // Features by hand: the max of each 2x2 block.
    Tensor features({1, 2, 2, 2});
    for (int k = 0; k < 2; ++k)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
          float m = -1e30F;
          for (int di = 0; di < 2; ++di)
            for (int dj = 0; dj < 2; ++dj)
              m = std::max(m, x[k * 16 + (2 * i + di) * 4 + 2 * j + dj]);
          features[k * 4 + i * 2 + j] = m;
        }
    for (std::int64_t c = 0; c < 3; ++c) {
      const auto a = explain("grad-cam", model, x, {c}, {}, model.graph().at("features"));
      REQUIRE(a.layer_map.shape() == Shape{1, 1, 2, 2});
      REQUIRE(a.map.shape() == Shape{1, 1, 4, 4});
      for (int p = 0; p < 4; ++p) {
        const float expected =
            std::max(0.0F, w[c * 2] / 4 * features[p] + w[c * 2 + 1] / 4 * features[4 + p]);
        CHECK(a.layer_map[p] == Approx(expected).margin(1e-6));
      }
      CHECK(relative_difference(a.map, upsample_bilinear(a.layer_map, 4, 4)) == 0.0);
      CHECK(a.passes.forward == 1);
      CHECK(a.passes.backward == 1);
    }
  }
}

TEST_CASE("grad-cam relu=false keeps negative evidence", "[grad-cam]") {
  const Tensor w({1, 2}, {-1.0F, -2.0F});
  const auto model = pooled_linear_model(w);
  const Tensor x = random_tensor(model.batch_shape(1), 4, 0.1F, 1.0F);
  const auto with_relu = explain("grad-cam", model, x, {0}, {}, model.graph().at("features"));
  const auto without =
      explain("grad-cam", model, x, {0}, {{"relu", "false"}}, model.graph().at("features"));
  for (float v : with_relu.layer_map.values()) CHECK(v == 0.0F);
  for (float v : without.layer_map.values()) CHECK(v < 0.0F);
}

TEST_CASE("grad-cam picks the last spatial layer by default and refuses a flat one", "[grad-cam]") {
  const auto model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(2), 9);
  const auto a = explain("grad-cam", model, x, {1, 4});
  REQUIRE(a.layer.has_value());
  CHECK(model.graph().node(*a.layer).name == "features");
  CHECK(a.layer_map.shape() == Shape{2, 1, 4, 4});
  CHECK(a.map.shape() == Shape{2, 1, 8, 8});
  for (std::int64_t s = 0; s < 2; ++s) {
    const auto one = explain("grad-cam", model, x.batch_slice(s), {s == 0 ? 1 : 4});
    CHECK(relative_difference(a.layer_map.batch_slice(s), one.layer_map, 1e-6) < 1e-5);
  }
  CHECK_THROWS_WITH(explain("grad-cam", model, x, {1, 4}, {}, model.graph().at("fc")),
                    Catch::Contains("'fc'") && Catch::Contains("spatial"));
}
