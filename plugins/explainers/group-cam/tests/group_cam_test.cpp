#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/propagation.hpp>
#include <lumen/resample.hpp>
#include <lumen/trace.hpp>

#include "explain_helpers.hpp"
#include "linear_model.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using Strings = std::map<std::string, std::string>;

// Blur by an explicit 2-D sum over the kernel window, mirroring indices one reflection at a time.
Tensor naive_blur(const Tensor& x, int kernel, double sigma) {
  const auto h = x.dim(2), w = x.dim(3);
  const auto mirror = [](std::int64_t i, std::int64_t n) {
    while (n > 1 && (i < 0 || i >= n)) i = i < 0 ? -i : 2 * (n - 1) - i;
    return n > 1 ? i : std::int64_t{0};
  };
  double total = 0.0;
  for (int dy = -kernel / 2; dy <= kernel / 2; ++dy)
    for (int dx = -kernel / 2; dx <= kernel / 2; ++dx)
      total += std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
  Tensor out(x.shape());
  for (std::int64_t q = 0; q < x.dim(0) * x.dim(1); ++q)
    for (std::int64_t i = 0; i < h; ++i)
      for (std::int64_t j = 0; j < w; ++j) {
        double v = 0.0;
        for (int dy = -kernel / 2; dy <= kernel / 2; ++dy)
          for (int dx = -kernel / 2; dx <= kernel / 2; ++dx)
            v += std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) / total *
                 x[q * h * w + mirror(i + dy, h) * w + mirror(j + dx, w)];
        out[q * h * w + i * w + j] = static_cast<float>(v);
      }
  return out;
}

// numpy's default percentile.
double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = (v.size() - 1) * p / 100.0;
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

struct Expected {
  std::vector<double> layer_map;  // before the ReLU
  int scored = 0;                 // groups whose mask is not constant
};

// Group-CAM for one image, unbatched, in double where it computes by itself: gradients and
// features from the core's passes, the masks upsampled by the core, everything else here.
Expected by_hand(const Model& model, const Tensor& x, std::int64_t target, NodeId layer,
                 std::int64_t groups, double p, int kernel, double sigma) {
  auto context = make_context();
  const std::vector<std::int64_t> targets = {target};
  const auto run = propagate_from_targets(model, x, targets, RuleMap(gradient_rule()),
                                          StartValue::one, {layer}, *context);
  const Tensor& a = run.trace.output(layer);
  const Tensor& g = run.signals.at(layer);
  const auto k = a.dim(1), h = a.dim(2), w = a.dim(3), plane = h * w;
  const auto big = x.dim(2) * x.dim(3);
  groups = std::min(groups, k);
  const Tensor blurred = naive_blur(x, kernel, sigma);
  const auto scores = [&](const Tensor& input) {
    const Tensor z = predict_logits(model, input, *context);
    return softmax(std::vector<double>(z.data(), z.data() + z.size()))[target];
  };
  const double reference = scores(blurred);
  Expected e;
  e.layer_map.assign(static_cast<std::size_t>(plane), 0.0);
  for (std::int64_t q = 0; q < groups; ++q) {
    std::vector<double> map(static_cast<std::size_t>(plane), 0.0);
    for (std::int64_t c = q * k / groups; c < (q + 1) * k / groups; ++c) {
      double alpha = 0.0;
      for (std::int64_t i = 0; i < plane; ++i) alpha += g[c * plane + i] / plane;
      for (std::int64_t i = 0; i < plane; ++i) map[i] += alpha * a[c * plane + i];
    }
    for (double& v : map) v = std::max(v, 0.0);
    if (p > 0) {
      const double t = percentile(map, p);
      for (double& v : map) v = v > t ? v : 0.0;
    }
    const Tensor up = upsample_bilinear(
        Tensor({1, 1, h, w}, std::vector<float>(map.begin(), map.end())), x.dim(2), x.dim(3));
    const auto [lo, hi] = std::minmax_element(up.values().begin(), up.values().end());
    if (*hi == *lo) continue;
    ++e.scored;
    Tensor masked(x.shape());
    for (std::int64_t i = 0; i < x.size(); ++i) {
      const double m = (up[i % big] - *lo) / (*hi - *lo);
      masked[i] = static_cast<float>(x[i] * m + blurred[i] * (1 - m));
    }
    const double weight = scores(masked) - reference;
    for (std::int64_t i = 0; i < plane; ++i)
      e.layer_map[i] += weight * (map[i] - *lo) / (*hi - *lo);
  }
  return e;
}

}  // namespace

TEST_CASE("group-cam with G = 1 on a tiny model: one mask, weighted by its score gain",
          "[group-cam]") {
  const Tensor w = random_tensor({3, 8}, 21, -2.0F, 2.0F);
  const Model model = relu_features_classifier(w);
  const Strings params = {{"groups", "1"},
                          {"relu", "false"},
                          {"denoise_percentile", "0"},
                          {"blur_kernel", "3"},
                          {"blur_sigma", "1"}};
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed, -0.5F, 1.5F);
    for (std::int64_t c = 0; c < 3; ++c) {
      // M = ReLU(a0 A0 + a1 A1), a_k the mean of W[c] over map k; H = s(M) (Up is the identity);
      // the blur on a 2x2 plane with kernel 3: out = (x_self + 2 e^-1/2 x_other) per axis.
      double alpha[2] = {0, 0};
      for (int i = 0; i < 8; ++i) alpha[i / 4] += w[c * 8 + i] / 4;
      std::vector<double> m(4);
      for (int p = 0; p < 4; ++p)
        m[p] = std::max(0.0, alpha[0] * std::max(x[p], 0.0F) + alpha[1] * std::max(x[4 + p], 0.0F));
      const double lo = *std::min_element(m.begin(), m.end());
      const double hi = *std::max_element(m.begin(), m.end());
      const double e = 2 * std::exp(-0.5), norm = 1 + e;
      std::vector<double> blurred(8), masked(8);
      for (int k = 0; k < 2; ++k)
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 2; ++j) {
            const auto at = [&](int y, int z) { return x[k * 4 + y * 2 + z]; };
            blurred[k * 4 + i * 2 + j] =
                (at(i, j) + e * at(i, 1 - j) + e * at(1 - i, j) + e * e * at(1 - i, 1 - j)) /
                (norm * norm);
          }
      const auto score = [&](const std::vector<double>& v) {
        std::vector<double> z(3, 0.0);
        for (int q = 0; q < 3; ++q)
          for (int i = 0; i < 8; ++i) z[q] += w[q * 8 + i] * std::max(v[i], 0.0);
        return softmax(z)[c];
      };
      const auto a = explain("group-cam", model, x, {c}, params);
      REQUIRE(a.layer_map.shape() == Shape{1, 1, 2, 2});
      if (hi == lo) {
        for (int p = 0; p < 4; ++p) CHECK(a.layer_map[p] == 0.0F);
        CHECK(a.passes.forward == 2);
        continue;
      }
      for (int i = 0; i < 8; ++i) {
        const double h = (m[i % 4] - lo) / (hi - lo);
        masked[i] = x[i] * h + blurred[i] * (1 - h);
      }
      const double weight = score(masked) - score(blurred);
      for (int p = 0; p < 4; ++p)
        CHECK(a.layer_map[p] == Approx(weight * (m[p] - lo) / (hi - lo)).margin(1e-6));
      CHECK(a.passes.forward == 1 + 1 + 1);
      CHECK(a.passes.backward == 1);
    }
  }
}

TEST_CASE("group-cam equals an unbatched computation, and pass counts are exact", "[group-cam]") {
  for (int which = 0; which < 2; ++which) {
    const Model model = which == 0 ? conv_net(7) : residual_net(3);
    const NodeId layer = model.graph().at(which == 0 ? "features" : "block_relu");
    const Tensor x = random_tensor(model.batch_shape(3), 8);
    const std::vector<std::int64_t> targets = {1, 3, 0};
    for (const auto& [groups, p] :
         std::vector<std::pair<int, double>>{{1, 0.0}, {3, 70.0}, {4, 50.0}, {100, 70.0}}) {
      std::int64_t scored = 0;
      std::vector<Expected> expected;
      for (std::int64_t s = 0; s < 3; ++s) {
        expected.push_back(by_hand(model, x.batch_slice(s), targets[s], layer, groups, p, 5, 2.0));
        scored += expected.back().scored;
      }
      for (const char* batch : {"1", "2", "64", "0"}) {
        const auto a = explain("group-cam", model, x, targets,
                               {{"groups", std::to_string(groups)},
                                {"denoise_percentile", std::to_string(p)},
                                {"blur_kernel", "5"},
                                {"blur_sigma", "2"},
                                {"relu", "false"},
                                {"batch_size", batch}},
                               layer);
        for (std::int64_t s = 0; s < 3; ++s) {
          const auto& e = expected[static_cast<std::size_t>(s)].layer_map;
          const Tensor want(Shape{1, 1, a.layer_map.dim(2), a.layer_map.dim(3)},
                            std::vector<float>(e.begin(), e.end()));
          CHECK(relative_difference(a.layer_map.batch_slice(s), want, 1e-6) < 1e-4);
        }
        CHECK(relative_difference(a.map, upsample_bilinear(a.layer_map, 8, 8)) == 0.0);
        CHECK(a.passes.forward == 3 + 3 + scored);  // gradient pass, blurred baseline, masks
        CHECK(a.passes.backward == 3);
      }
    }
  }
}

TEST_CASE("group-cam clamps groups to the channel count and validates the blur", "[group-cam]") {
  const Model model = conv_net(2);  // 6 channels at "features"
  const Tensor x = random_tensor(model.batch_shape(2), 1);
  const auto six = explain("group-cam", model, x, {0, 1}, {{"groups", "6"}});
  const auto many = explain("group-cam", model, x, {0, 1}, {{"groups", "32"}});
  CHECK(relative_difference(six.map, many.map) == 0.0);
  CHECK(std::find(many.notes.begin(), many.notes.end(),
                  "groups: 6 (clamped to the layer's channels)") != many.notes.end());
  CHECK_THROWS_WITH(explain("group-cam", model, x, {0, 1}, {{"blur_kernel", "50"}}),
                    Catch::Contains("blur_kernel") && Catch::Contains("50"));
}
