#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/layers.hpp>
#include <lumen/trace.hpp>

#include "../attacks.hpp"
#include "explain_helpers.hpp"
#include "linear_model.hpp"
#include "metric_helpers.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// [N,1,1,4] -> Flatten -> Linear (4 -> classes) with bias: logits f = W x + b.
Model linear_model(const std::vector<float>& w, const std::vector<float>& b) {
  const auto classes = static_cast<std::int64_t>(b.size());
  return linear_classifier({1, 1, 4}, Tensor({classes, 4}, w), Tensor({classes}, b));
}

}  // namespace

TEST_CASE("fgsm steps by epsilon along the sign of the cross-entropy gradient", "[fgsm]") {
  const std::vector<float> w{1, -2, 0, 3, -1, 1, 0, 2, 0.5F, 0.5F, 0, -1};
  const Model model = linear_model(w, {0.1F, -0.2F, 0.3F});
  const Tensor x({2, 1, 1, 4}, {0.5F, -1, 2, 0.25F, 1, 1, -1, 0});
  const std::vector<std::int64_t> targets{0, 2};
  auto context = make_context();
  const Tensor adversarial = attacks::fgsm(model, x, targets, 0.05, *context);
  const Tensor s = softmax_rows(logits(model, x));
  for (std::int64_t n = 0; n < 2; ++n) {
    for (std::int64_t i = 0; i < 4; ++i) {
      // d CE / dx_i = sum_k (S_k - [k = c]) W[k,i]; column 2 of W is 0, so no step there.
      double g = 0.0;
      for (std::int64_t k = 0; k < 3; ++k) {
        g +=
            (s[n * 3 + k] - (k == targets[static_cast<std::size_t>(n)] ? 1.0 : 0.0)) * w[k * 4 + i];
      }
      const double step = adversarial[n * 4 + i] - x[n * 4 + i];
      CAPTURE(n, i, g);
      CHECK(step == Approx(g > 0 ? 0.05 : (g < 0 ? -0.05 : 0.0)).margin(1e-6));
    }
  }
  // The step raises the loss: the target's probability falls.
  const Tensor after = softmax_rows(logits(model, adversarial));
  CHECK(after[0] < s[0]);
  CHECK(after[5] < s[5]);
}

TEST_CASE("deepfool crosses a linear boundary with the analytic minimal step", "[deepfool]") {
  // Two classes: f0 - f1 = v . x + 0.5 with v = w0 - w1 = [1,-1,2,0.5].
  const Model model = linear_model({1, 0, 2, 1, 0, 1, 0, 0.5F}, {0.5F, 0.0F});
  const Tensor x({1, 1, 1, 4}, {1, 0.5F, 0.25F, 0.2F});
  const double v[4] = {1, -1, 2, 0.5};
  const double gap = 1 - 0.5 + 0.5 + 0.1 + 0.5;  // f0 - f1 at x
  const double norm2 = 1 + 1 + 4 + 0.25;
  auto context = make_context();
  for (const double overshoot : {0.0, 0.02, 0.5}) {
    CAPTURE(overshoot);
    attacks::DeepFoolOptions options;
    options.overshoot = overshoot;
    const Tensor adversarial =
        attacks::deepfool(model, x, std::vector<std::int64_t>{0}, options, *context);
    // One linear step reaches the boundary exactly: r = -(gap + 1e-4) / ||v||^2 v, scaled.
    const double scale = (1 + overshoot) * (gap + 1e-4) / norm2;
    for (int i = 0; i < 4; ++i) CHECK(adversarial[i] - x[i] == Approx(-scale * v[i]).margin(1e-5));
    const Tensor f = logits(model, adversarial);
    CHECK(f[1] > f[0]);
  }
  // A sample not classified as its target is left alone.
  const Tensor unchanged = attacks::deepfool(model, x, std::vector<std::int64_t>{1},
                                             attacks::DeepFoolOptions{}, *context);
  CHECK(relative_difference(unchanged, x) == 0.0);
}

TEST_CASE("deepfool picks the nearest of several boundaries", "[deepfool]") {
  // f = [4, 2, 3]: class 2's boundary (gap 1 over ||w2 - w0|| = ||[0,0,-1,0]|| = 1) is nearer than
  // class 1's (gap 2 over ||[1,0,0,0]|| = 1).
  const Model model = linear_model({1, 0, 0, 0, 2, 0, 0, 0, 1, 0, -1, 0}, {3, 0, 2});
  const Tensor x({1, 1, 1, 4}, {1, 1, 0, 1});
  auto context = make_context();
  const Tensor adversarial = attacks::deepfool(model, x, std::vector<std::int64_t>{0},
                                               attacks::DeepFoolOptions{}, *context);
  const double step = 1.02 * (1 + 1e-4);
  CHECK(adversarial[0] - x[0] == Approx(0.0).margin(1e-6));
  CHECK(adversarial[2] - x[2] == Approx(-step).margin(1e-5));
  const Tensor f = logits(model, adversarial);
  CHECK(f[2] > f[0]);
}

TEST_CASE(
    "dice-under-attack: saliency of a linear model survives any attack, hand value with "
    "input-x-gradient",
    "[dice-under-attack]") {
  const Model model = linear_model({4, -3, 2, 1, 0, 0, 0, 0}, {0, 0});
  const Tensor x({1, 1, 1, 4}, {1, 1, 1, 1});
  for (const char* attack : {"fgsm", "deepfool"}) {
    CHECK(score_explanation("dice-under-attack", "saliency", model, x, {0},
                            {{"attack", attack}, {"top_percent", "50"}})
              .aggregate == 1.0);
  }
  // input-x-gradient x * w = [4,-3,2,1]: top half {0, 2}. FGSM with epsilon 2 moves x by
  // -2 sign(w) = [-2,2,-2,-2] to [-1,3,-1,-1]: map [-4,-9,-2,-1], top half {3, 2}: Dice 2*1/4.
  CHECK(score_explanation("dice-under-attack", "input-x-gradient", model, x, {0},
                          {{"epsilon", "2"}, {"top_percent", "50"}})
            .aggregate == Approx(0.5));
}

TEST_CASE("deepfool on a batch equals one-by-one, whatever the thread count", "[deepfool]") {
  const Model model = conformance::conv_net(3);
  const Tensor x = conformance::random_tensor(model.batch_shape(3), 61);
  // Each sample attacked against the class the model gives it, so DeepFool has work to do.
  const Tensor f = logits(model, x);
  std::vector<std::int64_t> targets;
  for (std::int64_t n = 0; n < 3; ++n) {
    std::int64_t best = 0;
    for (std::int64_t k = 1; k < f.dim(1); ++k) {
      if (f[n * f.dim(1) + k] > f[n * f.dim(1) + best]) best = k;
    }
    targets.push_back(best);
  }
  auto one = make_context(1);
  auto two = make_context(2);
  const Tensor batch = attacks::deepfool(model, x, targets, attacks::DeepFoolOptions{}, *two);
  for (std::int64_t n = 0; n < 3; ++n) {
    const Tensor alone = attacks::deepfool(
        model, x.batch_slice(n), std::vector<std::int64_t>{targets[static_cast<std::size_t>(n)]},
        attacks::DeepFoolOptions{}, *one);
    CHECK(relative_difference(batch.batch_slice(n), alone) == 0.0);
    // The attack succeeded: the model no longer ranks the target first.
    const Tensor g = logits(model, alone);
    std::int64_t best = 0;
    for (std::int64_t k = 1; k < g.dim(1); ++k) {
      if (g[k] > g[best]) best = k;
    }
    CHECK(best != targets[static_cast<std::size_t>(n)]);
  }
}

TEST_CASE("deepfool in gradient passes of one class each equals one pass of all classes",
          "[deepfool]") {
  // A one-byte pass memory runs c's gradient and each candidate's in passes of their own; only
  // c's gradient and the best candidate's are kept between them.
  const Model model = conformance::conv_net(3);
  const Tensor x = conformance::random_tensor(model.batch_shape(2), 61);
  const Tensor f = logits(model, x);
  std::vector<std::int64_t> targets;
  for (std::int64_t n = 0; n < 2; ++n) {
    std::int64_t best = 0;
    for (std::int64_t k = 1; k < f.dim(1); ++k) {
      if (f[n * f.dim(1) + k] > f[n * f.dim(1) + best]) best = k;
    }
    targets.push_back(best);
  }
  auto whole = make_context(1);
  auto small = make_context(2);
  small->set_pass_memory(1);
  const Tensor a = attacks::deepfool(model, x, targets, attacks::DeepFoolOptions{}, *whole);
  const Tensor b = attacks::deepfool(model, x, targets, attacks::DeepFoolOptions{}, *small);
  CHECK(relative_difference(b, a) < 1e-5);
  CHECK(relative_difference(b, x) > 1e-4);  // the attack moved the inputs
}
