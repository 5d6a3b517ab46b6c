#include <algorithm>
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
// Linear W [3,8] (gradient W[c][4k + 2i + j], varying over space and sign) or, with gap, GAP ->
// Flatten -> Linear W [.,2] (gradient W[c][k] / 4, constant over space).
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

// input [N,2,4,4] -> Identity ("features") -> Flatten -> Linear (32->6) -> Tanh -> Linear (6->3):
// a smooth head, so the gradient at the features is the input gradient, by finite differences.
Model smooth_model() {
  Graph g;
  auto x = g.add_input("input", {2, 4, 4});
  auto f = g.add_node("features", "", make_identity("Identity"), {x});
  auto flat = g.add_node("flatten", "", make_flatten(1), {f});
  auto h = g.add_node("hidden", "", make_linear(random_tensor({6, 32}, 31), random_tensor({6}, 32)),
                      {flat});
  auto t = g.add_node("tanh", "", make_tanh(), {h});
  auto out = g.add_node("fc", "logits", make_linear(random_tensor({3, 6}, 33), std::nullopt), {t});
  g.finalize(out);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

}  // namespace

TEST_CASE("layer-cam matches the hand-derived per-pixel map", "[layer-cam]") {
  const Tensor w = random_tensor({3, 8}, 21);
  const auto model = pooled_model(w, false);
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    const Tensor a = pooled(x);
    for (std::int64_t c = 0; c < 3; ++c) {
      const auto r =
          explain("layer-cam", model, x, {c}, {{"relu", "false"}}, model.graph().at("features"));
      const auto with_relu = explain("layer-cam", model, x, {c}, {}, model.graph().at("features"));
      REQUIRE(r.layer_map.shape() == Shape{1, 1, 2, 2});
      for (int p = 0; p < 4; ++p) {
        double expected = 0.0;
        for (int k = 0; k < 2; ++k) expected += std::max(w[c * 8 + k * 4 + p], 0.0F) * a[k * 4 + p];
        CHECK(r.layer_map[p] == Approx(expected).margin(1e-6));
        CHECK(with_relu.layer_map[p] == Approx(std::max(0.0, expected)).margin(1e-6));
      }
      CHECK(relative_difference(r.map, upsample_bilinear(r.layer_map, 4, 4)) == 0.0);
      CHECK(r.passes.forward == 1);
      CHECK(r.passes.backward == 1);
    }
  }
}

TEST_CASE("layer-cam equals ReLU(gradient) * activation from finite differences", "[layer-cam]") {
  const auto model = smooth_model();
  for (std::uint64_t seed : {4U, 5U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    for (std::int64_t c = 0; c < 3; ++c) {
      const auto fd = finite_difference_gradient(model, x, c, 1e-2F);
      Tensor expected({1, 1, 4, 4});
      for (int k = 0; k < 2; ++k)
        for (int p = 0; p < 16; ++p)
          expected[p] += std::max(fd.gradient[k * 16 + p], 0.0F) * x[k * 16 + p];
      const auto r = explain("layer-cam", model, x, {c}, {{"relu", "false"}});
      CHECK(model.graph().node(*r.layer).name == "features");
      CHECK(relative_difference(r.layer_map, expected) < 1e-3);
    }
  }
}

TEST_CASE("layer-cam equals grad-cam where every gradient is positive and constant over space",
          "[layer-cam]") {
  // GAP head: d logit_c / d A^k_ij = W[c][k] / 4 everywhere, so Grad-CAM's mean is the gradient
  // itself and, with W > 0, ReLU(g) = g: the two maps agree exactly (no h*w factor: that factor
  // separates CAM, which uses W[c][k], from Grad-CAM).
  const Tensor positive({2, 2}, {1.5F, 0.5F, 0.25F, 3.0F});
  const auto model = pooled_model(positive, true);
  for (std::uint64_t seed : {6U, 7U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    for (std::int64_t c = 0; c < 2; ++c) {
      for (const char* relu : {"true", "false"}) {
        const auto layer = explain("layer-cam", model, x, {c}, {{"relu", relu}});
        const auto grad = explain("grad-cam", model, x, {c}, {{"relu", relu}});
        CHECK(relative_difference(layer.layer_map, grad.layer_map, 1e-6) < 1e-6);
      }
    }
  }
  // A negative weight: Grad-CAM keeps that channel with its sign, LayerCAM drops it.
  const Tensor mixed({1, 2}, {2.0F, -1.0F});
  const auto mixed_model = pooled_model(mixed, true);
  const Tensor x = random_tensor(mixed_model.batch_shape(1), 8, 0.1F, 1.0F);
  const Tensor a = pooled(x);
  const auto layer = explain("layer-cam", mixed_model, x, {0}, {{"relu", "false"}});
  const auto grad = explain("grad-cam", mixed_model, x, {0}, {{"relu", "false"}});
  for (int p = 0; p < 4; ++p) {
    CHECK(layer.layer_map[p] == Approx(0.5 * a[p]).margin(1e-6));
    CHECK(grad.layer_map[p] == Approx(0.5 * a[p] - 0.25 * a[4 + p]).margin(1e-6));
  }
}

TEST_CASE("layer-cam picks the last spatial layer by default and refuses a flat one",
          "[layer-cam]") {
  const auto model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(2), 9);
  const auto a = explain("layer-cam", model, x, {1, 4});
  REQUIRE(a.layer.has_value());
  CHECK(model.graph().node(*a.layer).name == "features");
  CHECK(a.layer_map.shape() == Shape{2, 1, 4, 4});
  CHECK(a.map.shape() == Shape{2, 1, 8, 8});
  for (float v : a.layer_map.values()) CHECK(v >= 0.0F);
  for (std::int64_t s = 0; s < 2; ++s) {
    const auto one = explain("layer-cam", model, x.batch_slice(s), {s == 0 ? 1 : 4});
    CHECK(relative_difference(a.layer_map.batch_slice(s), one.layer_map, 1e-6) < 1e-5);
  }
  CHECK_THROWS_WITH(explain("layer-cam", model, x, {1, 4}, {}, model.graph().at("fc")),
                    Catch::Contains("'fc'") && Catch::Contains("spatial"));
}
