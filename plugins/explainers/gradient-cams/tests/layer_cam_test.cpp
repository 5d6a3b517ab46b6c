#include <algorithm>
#include <catch2/catch.hpp>

#include "explain_helpers.hpp"
#include "gradient_cam_test_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("layer-cam matches the hand-derived per-pixel map", "[layer-cam]") {
  // d logit_c / d features^k_ij = W[c][4k + 2i + j], varying over space and sign.
  const Tensor w = random_tensor({3, 8}, 21);
  check_hand_derived("layer-cam", w, false, 1e-6, [&](std::int64_t c, const Tensor& a) {
    std::array<double, 4> map{};
    for (int p = 0; p < 4; ++p)
      for (int k = 0; k < 2; ++k) map[p] += std::max(w[c * 8 + k * 4 + p], 0.0F) * a[k * 4 + p];
    return map;
  });
}

TEST_CASE("layer-cam equals ReLU(gradient) * activation from finite differences", "[layer-cam]") {
  check_per_pixel_against_finite_differences("layer-cam",
                                             [](float g) { return std::max(g, 0.0F); });
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
