#include <algorithm>
#include <catch2/catch.hpp>

#include "explain_helpers.hpp"
#include "gradient_cam_test_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("grad-cam-pp matches the hand-derived weights", "[grad-cam-pp]") {
  Tensor w = random_tensor({3, 8}, 21);
  w[1] = 0.0F;  // a zero gradient: a_ij must be 0 there, not 0/eps
  check_hand_derived("grad-cam-pp", w, false, 1e-5, [&](std::int64_t c, const Tensor& a) {
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
    std::array<double, 4> map{};
    for (int p = 0; p < 4; ++p) map[p] = weight[0] * a[p] + weight[1] * a[4 + p];
    return map;
  });
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
