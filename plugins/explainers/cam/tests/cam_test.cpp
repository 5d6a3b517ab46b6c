#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// input [N,2,4,4] -> MaxPool 2 ("features", [N,2,2,2]) -> GAP -> Flatten -> Linear (W, b).
Model pooled_gap_model(const Tensor& w, const Tensor& b) {
  Graph g;
  auto x = g.add_input("input", {2, 4, 4});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  auto f = g.add_node("features", "", make_max_pool2d(pool), {x});
  auto gap = g.add_node("gap", "", make_global_average_pool(), {f});
  auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  auto fc = g.add_node("fc", "logits", make_linear(w, b), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

}  // namespace

TEST_CASE("cam matches the hand-derived map, bias ignored, sign kept", "[cam]") {
  const Tensor w({3, 2}, {1.0F, 2.0F, 3.0F, -1.0F, -1.0F, -0.5F});
  const Tensor b({3}, {5.0F, -7.0F, 0.5F});
  const auto model = pooled_gap_model(w, b);
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    for (std::int64_t c = 0; c < 3; ++c) {
      const auto a = explain("cam", model, x, {c});
      REQUIRE(a.layer.has_value());
      CHECK(*a.layer == model.graph().at("features"));
      REQUIRE(a.layer_map.shape() == Shape{1, 1, 2, 2});
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
          float f[2];
          for (int k = 0; k < 2; ++k) {
            f[k] = -1e30F;
            for (int di = 0; di < 2; ++di)
              for (int dj = 0; dj < 2; ++dj)
                f[k] = std::max(f[k], x[k * 16 + (2 * i + di) * 4 + 2 * j + dj]);
          }
          CHECK(a.layer_map[i * 2 + j] ==
                Approx(w[c * 2] * f[0] + w[c * 2 + 1] * f[1]).margin(1e-6));
        }
      CHECK(relative_difference(a.map, upsample_bilinear(a.layer_map, 4, 4)) == 0.0);
      CHECK(a.signed_map);
      CHECK(a.passes.forward == 1);
      CHECK(a.passes.backward == 0);
    }
  }
}

TEST_CASE("grad-cam equals cam / (h w) on a model ending in GAP + linear", "[cam]") {
  bool saw_negative = false;
  for (std::uint64_t seed : {4U, 5U, 6U}) {
    const auto model = conv_net(seed);
    const Tensor x = random_tensor(model.batch_shape(3), seed + 10);
    for (std::int64_t c = 0; c < 5; ++c) {
      const std::vector<std::int64_t> targets{c, (c + 2) % 5, (c + 4) % 5};
      const auto cam = explain("cam", model, x, targets);
      const auto grad = explain("grad-cam", model, x, targets, {{"relu", "false"}}, cam.layer);
      REQUIRE(cam.layer_map.shape() == Shape{3, 1, 4, 4});
      Tensor scaled = cam.layer_map;
      for (auto& v : scaled.values()) v /= 16.0F;
      CHECK(relative_difference(grad.layer_map, scaled) < 1e-5);
      for (float v : cam.layer_map.values()) saw_negative = saw_negative || v < 0.0F;
    }
  }
  CHECK(saw_negative);
}

TEST_CASE("cam refuses models that do not end in GAP + linear, naming what it found", "[cam]") {
  const auto residual = residual_net(1);
  CHECK_THROWS_AS(explain("cam", residual, random_tensor(residual.batch_shape(1), 1), {0}),
                  InvalidArgument);
  CHECK_THROWS_WITH(explain("cam", residual, random_tensor(residual.batch_shape(1), 1), {0}),
                    Catch::Contains("GlobalAveragePool") && Catch::Contains("'avgpool'") &&
                        Catch::Contains("AveragePool"));
  const auto dense = dense_net(1);
  CHECK_THROWS_WITH(explain("cam", dense, random_tensor(dense.batch_shape(1), 1), {0}),
                    Catch::Contains("'relu' (Relu)"));
}

TEST_CASE("cam refuses a layer other than the pooling's input", "[cam]") {
  const auto model = conv_net(2);
  const Tensor x = random_tensor(model.batch_shape(1), 3);
  CHECK_THROWS_WITH(explain("cam", model, x, {0}, {}, model.graph().at("pool1")),
                    Catch::Contains("'features'") && Catch::Contains("'pool1'"));
  CHECK_NOTHROW(explain("cam", model, x, {0}, {}, model.graph().at("features")));
}
