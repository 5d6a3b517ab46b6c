#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/resample.hpp>

#include "explain_helpers.hpp"
#include "pooled_model.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("cam matches the hand-derived map, bias ignored, sign kept", "[cam]") {
  const Tensor w({3, 2}, {1.0F, 2.0F, 3.0F, -1.0F, -1.0F, -0.5F});
  const Tensor b({3}, {5.0F, -7.0F, 0.5F});
  const auto model = pooled_model(w, true, b);
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    for (std::int64_t c = 0; c < 3; ++c) {
      const auto a = explain("cam", model, x, {c});
      REQUIRE(a.layer.has_value());
      CHECK(*a.layer == model.graph().at("features"));
      REQUIRE(a.layer_map.shape() == Shape{1, 1, 2, 2});
      const Tensor f = pooled(x);
      for (int p = 0; p < 4; ++p)
        CHECK(a.layer_map[p] == Approx(w[c * 2] * f[p] + w[c * 2 + 1] * f[4 + p]).margin(1e-6));
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
