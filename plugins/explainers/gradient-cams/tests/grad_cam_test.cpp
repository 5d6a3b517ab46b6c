#include <catch2/catch.hpp>

#include "explain_helpers.hpp"
#include "gradient_cam_test_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("grad-cam matches the hand-derived map", "[grad-cam]") {
  // GAP head: the gradient of logit c with respect to features^k_ij is W[c][k] / 4, so
  // alpha_k = W[c][k] / 4 and Grad-CAM = ReLU(sum_k W[c][k] / 4 * features^k).
  const Tensor w({3, 2}, {1.0F, 2.0F, 3.0F, -1.0F, -1.0F, -0.5F});
  check_hand_derived("grad-cam", w, true, 1e-6, [&](std::int64_t c, const Tensor& a) {
    std::array<double, 4> map{};
    for (int p = 0; p < 4; ++p) map[p] = w[c * 2] / 4 * a[p] + w[c * 2 + 1] / 4 * a[4 + p];
    return map;
  });
}

TEST_CASE("grad-cam relu=false keeps negative evidence", "[grad-cam]") {
  const Tensor w({1, 2}, {-1.0F, -2.0F});
  const auto model = pooled_model(w, true);
  const Tensor x = random_tensor(model.batch_shape(1), 4, 0.1F, 1.0F);
  const auto with_relu = explain("grad-cam", model, x, {0}, {}, model.graph().at("features"));
  const auto without =
      explain("grad-cam", model, x, {0}, {{"relu", "false"}}, model.graph().at("features"));
  for (float v : with_relu.layer_map.values()) CHECK(v == 0.0F);
  for (float v : without.layer_map.values()) CHECK(v < 0.0F);
}
