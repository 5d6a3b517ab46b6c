#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// input [N,2,4,4] -> MaxPool 2 ("features", [N,2,2,2]) -> head -> logits, where head is Flatten ->
// Linear W [3,8] (gradient W[c][4k + 2i + j], varying over space) or, with gap, GAP -> Flatten ->
// Linear W [3,2] (gradient W[c][k] / 4, constant over space).
Model pooled_model(const Tensor& w, bool gap) {
  Graph g;
  auto x = g.add_input("input", {2, 4, 4});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  NodeId last = g.add_node("features", "", make_max_pool2d(pool), {x});
  if (gap) last = g.add_node("gap", "", make_global_average_pool(), {last});
  auto flat = g.add_node("flatten", "", make_flatten(1), {last});
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

}  // namespace

TEST_CASE("grad-cam-pp matches the hand-derived weights", "[grad-cam-pp]") {
  Tensor w = random_tensor({3, 8}, 21);
  w[1] = 0.0F;  // a zero gradient: a_ij must be 0 there, not 0/eps
  const auto model = pooled_model(w, false);
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    const Tensor a = pooled(x);
    for (std::int64_t c = 0; c < 3; ++c) {
      const auto r =
          explain("grad-cam-pp", model, x, {c}, {{"relu", "false"}}, model.graph().at("features"));
      const auto with_relu =
          explain("grad-cam-pp", model, x, {c}, {}, model.graph().at("features"));
      double weight[2] = {0.0, 0.0};
      for (int k = 0; k < 2; ++k) {
        double total = 0.0;
        for (int p = 0; p < 4; ++p) total += a[k * 4 + p];
        for (int p = 0; p < 4; ++p) {
          const double g = w[c * 8 + k * 4 + p];
          const double alpha = g == 0.0 ? 0.0 : g * g / (2 * g * g + total * g * g * g + 1e-6);
          weight[k] += alpha * std::max(g, 0.0);
        }
      }
      for (int p = 0; p < 4; ++p) {
        const double expected = weight[0] * a[p] + weight[1] * a[4 + p];
        CHECK(r.layer_map[p] == Approx(expected).margin(1e-5));
        CHECK(with_relu.layer_map[p] == Approx(std::max(0.0, expected)).margin(1e-5));
      }
      CHECK(relative_difference(r.map, upsample_bilinear(r.layer_map, 4, 4)) == 0.0);
      CHECK(r.passes.forward == 1);
      CHECK(r.passes.backward == 1);
    }
  }
}

TEST_CASE("grad-cam-pp on a GAP + linear head: w_k = hw g / (2 + S_k g) for g > 0, else 0",
          "[grad-cam-pp]") {
  // With g = W[c][k] / 4 constant over the 2x2 map, a = 1 / (2 + S_k g) (up to the 1e-6).
  const Tensor w({2, 2}, {1.5F, -2.0F, 0.5F, 3.0F});
  const auto model = pooled_model(w, true);
  const Tensor x = random_tensor(model.batch_shape(1), 7, 0.1F, 1.0F);
  const Tensor a = pooled(x);
  for (std::int64_t c = 0; c < 2; ++c) {
    const auto r =
        explain("grad-cam-pp", model, x, {c}, {{"relu", "false"}}, model.graph().at("features"));
    double weight[2];
    for (int k = 0; k < 2; ++k) {
      const double g = w[c * 2 + k] / 4.0;
      const double total = a[k * 4] + a[k * 4 + 1] + a[k * 4 + 2] + a[k * 4 + 3];
      weight[k] = g > 0 ? 4 * g / (2 + total * g) : 0.0;
    }
    for (int p = 0; p < 4; ++p)
      CHECK(r.layer_map[p] == Approx(weight[0] * a[p] + weight[1] * a[4 + p]).epsilon(1e-4));
  }
}

TEST_CASE("grad-cam-pp picks the last spatial layer by default and refuses a flat one",
          "[grad-cam-pp]") {
  const auto model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(2), 9);
  const auto a = explain("grad-cam-pp", model, x, {1, 4});
  REQUIRE(a.layer.has_value());
  CHECK(model.graph().node(*a.layer).name == "features");
  CHECK(a.map.shape() == Shape{2, 1, 8, 8});
  CHECK_THROWS_WITH(explain("grad-cam-pp", model, x, {1, 4}, {}, model.graph().at("fc")),
                    Catch::Contains("'fc'") && Catch::Contains("spatial"));
}
