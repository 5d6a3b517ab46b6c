#include <catch2/catch.hpp>

#include "explain_helpers.hpp"
#include "gradient_cam_test_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("hires-cam matches the hand-derived per-pixel map", "[hires-cam]") {
  // d logit_c / d features^k_ij = W[c][4k + 2i + j], varying over space and sign.
  const Tensor w = random_tensor({3, 8}, 21);
  check_hand_derived("hires-cam", w, false, 1e-6, [&](std::int64_t c, const Tensor& a) {
    std::array<double, 4> map{};
    for (int p = 0; p < 4; ++p)
      for (int k = 0; k < 2; ++k) map[p] += w[c * 8 + k * 4 + p] * a[k * 4 + p];
    return map;
  });
}

TEST_CASE("hires-cam equals gradient * activation from finite differences", "[hires-cam]") {
  check_per_pixel_against_finite_differences("hires-cam", [](float g) { return g; });
}

TEST_CASE("hires-cam equals grad-cam when the gradients are constant over space", "[hires-cam]") {
  // GAP head: d logit_c / d A^k_ij = W[c][k] / 4 everywhere, so sum_k g_k A^k is Grad-CAM's map
  // itself, whatever the signs (no h*w factor: that factor separates CAM, which uses W[c][k],
  // from Grad-CAM).
  const Tensor w({3, 2}, {1.5F, -2.0F, 0.5F, 3.0F, -1.0F, -0.5F});
  const auto model = pooled_model(w, true);
  for (std::uint64_t seed : {6U, 7U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    const Tensor a = pooled(x);
    for (std::int64_t c = 0; c < 3; ++c) {
      for (const char* relu : {"true", "false"}) {
        const auto hires = explain("hires-cam", model, x, {c}, {{"relu", relu}});
        const auto grad = explain("grad-cam", model, x, {c}, {{"relu", relu}});
        CHECK(relative_difference(hires.layer_map, grad.layer_map, 1e-6) < 1e-6);
      }
      const auto hires = explain("hires-cam", model, x, {c}, {{"relu", "false"}});
      for (int p = 0; p < 4; ++p)
        CHECK(hires.layer_map[p] ==
              Approx(w[c * 2] / 4 * a[p] + w[c * 2 + 1] / 4 * a[4 + p]).margin(1e-6));
    }
  }
}
