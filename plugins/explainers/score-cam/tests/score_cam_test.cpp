#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/resample.hpp>

#include "explain_helpers.hpp"
#include "linear_model.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// The logits of relu_features_classifier for one sample, by hand.
std::vector<double> tiny_logits(const Tensor& w, const std::vector<double>& x) {
  std::vector<double> out(3, 0.0);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 8; ++i) out[c] += w[c * 8 + i] * std::max(x[i], 0.0);
  return out;
}

// Score-CAM's layer map on relu_features_classifier by hand, before the ReLU.
std::vector<double> by_hand(const Tensor& w, const Tensor& x, int target, bool paper) {
  std::vector<double> a(8), masked_scores(2);
  for (int i = 0; i < 8; ++i) a[i] = std::max(x[i], 0.0F);
  for (int k = 0; k < 2; ++k) {
    const double low = *std::min_element(a.begin() + 4 * k, a.begin() + 4 * k + 4);
    const double high = *std::max_element(a.begin() + 4 * k, a.begin() + 4 * k + 4);
    std::vector<double> masked(8);
    for (int i = 0; i < 8; ++i) {
      const double h = high > low ? (a[4 * k + i % 4] - low) / (high - low) : 0.0;
      masked[i] = x[i] * h;
    }
    const auto logits = tiny_logits(w, masked);
    masked_scores[k] = paper ? softmax(logits)[target] : logits[target];
  }
  std::vector<double> alpha(2);
  if (paper) {
    for (int k = 0; k < 2; ++k) alpha[k] = masked_scores[k] - 1.0 / 3.0;  // S_c(0) = 1/3
  } else {
    alpha = softmax(masked_scores);
  }
  std::vector<double> cam(4);
  for (int p = 0; p < 4; ++p) cam[p] = alpha[0] * a[p] + alpha[1] * a[4 + p];
  return cam;
}

}  // namespace

TEST_CASE("score-cam matches the hand-computed map on a tiny model", "[score-cam]") {
  const Tensor w = random_tensor({3, 8}, 21, -2.0F, 2.0F);
  const Model model = relu_features_classifier(w);
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    Tensor x = random_tensor(model.batch_shape(1), seed, -0.5F, 1.5F);
    if (seed == 3) std::fill(x.data() + 4, x.data() + 8, 0.7F);  // a constant map: H = 0
    for (int target = 0; target < 3; ++target) {
      for (bool paper : {true, false}) {
        const std::map<std::string, std::string> params =
            paper ? std::map<std::string, std::string>{{"relu", "false"}}
                  : std::map<std::string, std::string>{
                        {"relu", "false"}, {"weights", "softmax"}, {"score", "logit"}};
        const auto a = explain("score-cam", model, x, {target}, params);
        REQUIRE(a.layer_map.shape() == Shape{1, 1, 2, 2});
        const auto expected = by_hand(w, x, target, paper);
        for (int p = 0; p < 4; ++p) CHECK(a.layer_map[p] == Approx(expected[p]).margin(1e-6));
        auto with_relu = params;
        with_relu["relu"] = "true";
        const auto relu = explain("score-cam", model, x, {target}, with_relu);
        for (int p = 0; p < 4; ++p)
          CHECK(relu.layer_map[p] == Approx(std::max(0.0F, a.layer_map[p])).margin(1e-7));
        CHECK(a.passes.forward == (paper ? 1 + 2 + 1 : 1 + 2));
        CHECK(a.passes.backward == 0);
      }
    }
  }
}

TEST_CASE("score-cam: batches of masks and of images equal one by one", "[score-cam]") {
  const Model model = conv_net(7);
  const Tensor x = random_tensor(model.batch_shape(3), 8);
  const std::vector<std::int64_t> targets = {1, 3, 0};
  const auto all = explain("score-cam", model, x, targets, {{"relu", "false"}});
  CHECK(all.layer_map.shape() == Shape{3, 1, 4, 4});
  CHECK(all.map.shape() == Shape{3, 1, 8, 8});
  CHECK(all.passes.forward == 3 * (1 + 6 + 1));
  CHECK(relative_difference(all.map, upsample_bilinear(all.layer_map, 8, 8)) == 0.0);
  for (std::int64_t s = 0; s < 3; ++s) {
    const auto one = explain("score-cam", model, x.batch_slice(s), {targets[s]},
                             {{"relu", "false"}, {"batch_size", "1"}});
    CHECK(relative_difference(all.layer_map.batch_slice(s), one.layer_map, 1e-6) < 1e-5);
  }
  const auto two = explain("score-cam", model, x, targets, {{"batch_size", "4"}}, {}, 2);
  const auto one = explain("score-cam", model, x, targets, {{"batch_size", "4"}}, {}, 1);
  CHECK(relative_difference(two.map, one.map) == 0.0);
}

TEST_CASE("score-cam: any batch of masks gives the same map, the automatic one as well",
          "[score-cam]") {
  // conv_net's features: 6 maps, so batches of 4 leave a short last one and 11 holds them all.
  const Model model = conv_net(4);
  const Tensor x = random_tensor(model.batch_shape(2), 5);
  const std::vector<std::int64_t> targets = {2, 4};
  const auto reference = explain("score-cam", model, x, targets, {{"batch_size", "1"}});
  for (const char* batch : {"4", "6", "11", "0"}) {
    const auto other = explain("score-cam", model, x, targets, {{"batch_size", batch}});
    CHECK(relative_difference(other.layer_map, reference.layer_map, 1e-6) < 1e-5);
  }
  // The automatic batch depends on the pass memory only, so the thread count changes no bit.
  const auto one = explain("score-cam", model, x, targets, {}, {}, 1);
  const auto two = explain("score-cam", model, x, targets, {}, {}, 2);
  CHECK(relative_difference(two.layer_map, one.layer_map) == 0.0);
  CHECK(relative_difference(two.map, one.map) == 0.0);
}
