#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>

#include "../mask_objective.hpp"
#include "../mask_ops.hpp"
#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;
namespace mp = lumen::meaningful_perturbation;

namespace {

double dot(const Tensor& a, const Tensor& b) {
  double s = 0.0;
  for (std::int64_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// The mask the explainer ended with, read back from a map whose mask has the input's resolution
// (so the upsampling is the identity): m = 1 - map at channel 0.
Tensor final_masks(const Attribution& a) {
  const std::int64_t n = a.map.dim(0), pixels = a.map.dim(2) * a.map.dim(3);
  Tensor m({n, 1, a.map.dim(2), a.map.dim(3)});
  for (std::int64_t s = 0; s < n; ++s)
    for (std::int64_t i = 0; i < pixels; ++i)
      m[s * pixels + i] = 1.0F - a.map[s * a.map.dim(1) * pixels + i];
  return m;
}

// [N,2,8,8] -> Flatten -> Linear (128 -> 2): class 0 reads only the top-left 4x4 block of both
// channels (weight 0.25), class 1 is the constant 2.
Model region_model() {
  const Shape sample{2, 8, 8};
  Tensor weight({2, 128});
  for (std::int64_t c = 0; c < 2; ++c)
    for (std::int64_t y = 0; y < 4; ++y)
      for (std::int64_t x = 0; x < 4; ++x) weight[c * 64 + y * 8 + x] = 0.25F;
  Graph g;
  auto in = g.add_input("input", sample);
  auto flat = g.add_node("flatten", "", make_flatten(1), {in});
  auto fc = g.add_node("fc", "logits", make_linear(weight, Tensor({2}, std::vector<float>{0, 2})),
                       {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{sample, {}, {}});
}

// [N,2,8,8] -> Conv 3x3 (2->3, pad 1) -> Tanh -> Flatten -> Linear (192->4): no ReLU or max-pool
// switch, so central differences of the objective are derivatives everywhere.
Model smooth_net(std::uint64_t seed) {
  const Shape sample{2, 8, 8};
  Conv2dParams conv;
  conv.weight = random_tensor({3, 2, 3, 3}, seed);
  conv.bias = random_tensor({3}, seed + 1);
  conv.pads = {1, 1, 1, 1};
  Graph g;
  auto in = g.add_input("input", sample);
  auto c = g.add_node("conv", "", make_conv2d(conv), {in});
  auto t = g.add_node("tanh", "", make_tanh(), {c});
  auto flat = g.add_node("flatten", "", make_flatten(1), {t});
  auto fc = g.add_node(
      "fc", "logits",
      make_linear(random_tensor({4, 192}, seed + 2, -0.3F, 0.3F), random_tensor({4}, seed + 3)),
      {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{sample, {}, {}});
}

}  // namespace

TEST_CASE("the bilinear transpose is the adjoint of upsample_bilinear",
          "[meaningful-perturbation]") {
  const std::vector<std::array<std::int64_t, 4>> sizes{{2, 3, 8, 8},  {3, 5, 8, 8}, {8, 8, 8, 8},
                                                       {4, 4, 7, 13}, {6, 5, 4, 3}, {1, 1, 5, 5}};
  std::uint64_t seed = 10;
  for (const auto& [h, w, height, width] : sizes) {
    const Tensor a = random_tensor({2, 3, h, w}, ++seed);
    const Tensor b = random_tensor({2, 3, height, width}, ++seed);
    const double left = dot(upsample_bilinear(a, height, width), b);
    const double right = dot(a, mp::upsample_bilinear_transpose(b, h, w));
    CHECK(left == Approx(right).epsilon(1e-5));
  }
}

TEST_CASE("the Gaussian blur equals a direct 2-D convolution with clamped edges",
          "[meaningful-perturbation]") {
  for (double sigma : {0.7, 1.5, 5.0}) {
    const Tensor x = random_tensor({2, 2, 6, 9}, 3);
    const Tensor b = mp::gaussian_blur(x, sigma);
    const auto r = static_cast<std::int64_t>(std::ceil(3.0 * sigma));
    double total = 0.0;
    for (std::int64_t k = -r; k <= r; ++k) total += std::exp(-(k * k) / (2 * sigma * sigma));
    for (std::int64_t p = 0; p < 4; ++p)
      for (std::int64_t y = 0; y < 6; ++y)
        for (std::int64_t xx = 0; xx < 9; ++xx) {
          double s = 0.0;
          for (std::int64_t i = -r; i <= r; ++i)
            for (std::int64_t j = -r; j <= r; ++j) {
              const std::int64_t yy = std::clamp<std::int64_t>(y + i, 0, 5);
              const std::int64_t xc = std::clamp<std::int64_t>(xx + j, 0, 8);
              s += std::exp(-(i * i + j * j) / (2 * sigma * sigma)) / (total * total) *
                   x[p * 54 + yy * 9 + xc];
            }
          CHECK(b[p * 54 + y * 9 + xx] == Approx(s).margin(1e-5));
        }
  }
  const Tensor x = random_tensor({1, 1, 4, 4}, 4);
  CHECK(relative_difference(mp::gaussian_blur(x, 0.0), x) == 0.0);
}

TEST_CASE("total variation matches a hand count and its finite differences",
          "[meaningful-perturbation]") {
  // 2x2 mask [[0,1],[1,1]]: pairs (0,1),(0,1 below) differ by 1, the others by 0: TV = 2 / 4.
  const std::vector<float> m{0, 1, 1, 1};
  CHECK(mp::total_variation(m.data(), 2, 2, 3.0, 1.0, nullptr) == Approx(0.5));
  for (double beta : {2.0, 3.0}) {
    const Tensor t = random_tensor({1, 1, 3, 4}, 7, 0.0F, 1.0F);
    std::vector<double> g(12, 0.0);
    mp::total_variation(t.data(), 3, 4, beta, 0.7, g.data());
    for (std::int64_t i = 0; i < 12; ++i) {
      Tensor p = t, q = t;
      p[i] += 1e-3F;
      q[i] -= 1e-3F;
      const double fd = 0.7 *
                        (mp::total_variation(p.data(), 3, 4, beta, 1, nullptr) -
                         mp::total_variation(q.data(), 3, 4, beta, 1, nullptr)) /
                        (static_cast<double>(p[i]) - q[i]);
      CHECK(g[static_cast<std::size_t>(i)] == Approx(fd).margin(1e-4));
    }
  }
}

TEST_CASE("the mask gradient equals central differences of the objective",
          "[meaningful-perturbation]") {
  struct Case {
    Model model;
    std::int64_t h, w;
  };
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    std::vector<Case> cases;
    cases.push_back({smooth_net(seed), 3, 5});
    cases.push_back({smooth_net(seed), 8, 8});
    cases.push_back({smooth_net(seed), 2, 3});
    for (const auto& c : cases) {
      const Tensor x = random_tensor(c.model.batch_shape(2), seed + 20);
      const Tensor blurred = mp::gaussian_blur(x, 1.5);
      const std::vector<std::int64_t> targets{1, 2};
      const mp::MaskProblem problem{c.model, x, blurred, targets, 0.3, 0.5, 3.0};
      const Tensor masks = random_tensor({2, 1, c.h, c.w}, seed + 30, 0.2F, 0.8F);
      auto context = make_context();
      const auto e = mp::evaluate_masks(problem, masks, true, *context);
      // Central differences with steps 4e-3 and 2e-3, compared where the two agree (no ReLU or
      // max-pool switch within the step; for a smooth objective they differ by O(step^2)).
      const auto central = [&](std::int64_t i, float step) {
        Tensor up = masks, down = masks;
        up[i] += step;
        down[i] -= step;
        const auto su = static_cast<std::size_t>(i / (c.h * c.w));
        return (mp::evaluate_masks(problem, up, false, *context).objective[su] -
                mp::evaluate_masks(problem, down, false, *context).objective[su]) /
               (static_cast<double>(up[i]) - down[i]);
      };
      double diff = 0.0, scale = 1e-12;
      std::int64_t smooth = 0;
      for (std::int64_t i = 0; i < masks.size(); ++i) {
        const double wide = central(i, 4e-3F), fd = central(i, 2e-3F);
        scale = std::max(scale, std::fabs(fd));
        if (std::fabs(wide - fd) > 1e-4) continue;
        ++smooth;
        diff = std::max(diff, std::fabs(e.gradient[i] - fd));
      }
      INFO("seed " << seed << " mask " << c.h << "x" << c.w << ", smooth " << smooth << ", diff "
                   << diff << ", scale " << scale);
      CHECK(smooth == masks.size());
      CHECK(diff / scale < 2e-3);
      CHECK(scale > 1e-4);
    }
  }
}

TEST_CASE("the optimisation lowers the objective", "[meaningful-perturbation]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Model model = conv_net(seed);
    const Tensor x = random_tensor(model.batch_shape(2), seed + 40);
    const std::vector<std::int64_t> targets{0, 3};
    const std::map<std::string, std::string> params{{"blur_sigma", "2"}};
    const Tensor blurred = mp::gaussian_blur(x, 2.0);
    const mp::MaskProblem problem{model, x, blurred, targets, 0.05, 0.2, 3.0};
    auto context = make_context();
    const auto first = mp::evaluate_masks(problem, Tensor({2, 1, 8, 8}, 1.0F), false, *context);
    const auto some =
        mp::evaluate_masks(problem,
                           final_masks(explain("meaningful-perturbation", model, x, targets,
                                               {{"blur_sigma", "2"}, {"iterations", "10"}})),
                           false, *context);
    const auto last = mp::evaluate_masks(
        problem, final_masks(explain("meaningful-perturbation", model, x, targets, params)), false,
        *context);
    for (std::size_t s = 0; s < 2; ++s) {
      INFO("seed " << seed << " sample " << s);
      CHECK(some.objective[s] < first.objective[s]);
      CHECK(last.objective[s] < some.objective[s]);
      CHECK(last.probability[s] < first.probability[s]);
    }
  }
}

TEST_CASE("the deletion mask concentrates on the only region the class reads",
          "[meaningful-perturbation]") {
  const Model model = region_model();
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    Tensor x = random_tensor(model.batch_shape(1), seed, 0.0F, 0.2F);
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t y = 0; y < 4; ++y)
        for (std::int64_t xx = 0; xx < 4; ++xx) x[c * 64 + y * 8 + xx] += 0.8F;
    const Attribution a = explain("meaningful-perturbation", model, x, {0});
    double inside = 0.0, outside = 0.0;
    for (std::int64_t y = 0; y < 8; ++y)
      for (std::int64_t xx = 0; xx < 8; ++xx)
        (y < 4 && xx < 4 ? inside : outside) += a.map[y * 8 + xx];
    INFO("seed " << seed << ": inside " << inside << ", outside " << outside);
    CHECK(inside > outside);
    CHECK(inside > 4.0);  // a quarter of the 16 region pixels' worth at least
    for (float v : a.map.values()) CHECK((v >= 0.0F && v <= 1.0F));
  }
}

TEST_CASE("meaningful perturbation is deterministic, batch-independent and counts its passes",
          "[meaningful-perturbation]") {
  for (std::uint64_t seed : {4U, 5U}) {
    const Model model = conv_net(seed);
    const Tensor x = random_tensor(model.batch_shape(3), seed);
    const std::vector<std::int64_t> targets{0, 2, 4};
    const std::map<std::string, std::string> params{{"iterations", "30"}, {"mask_size", "4"}};
    const Attribution a = explain("meaningful-perturbation", model, x, targets, params, {}, 1, 1);
    const Attribution b = explain("meaningful-perturbation", model, x, targets, params, {}, 1, 1);
    const Attribution c = explain("meaningful-perturbation", model, x, targets, params, {}, 2, 9);
    CHECK(relative_difference(a.map, b.map) == 0.0);
    CHECK(relative_difference(a.map, c.map) == 0.0);
    CHECK(a.passes.forward == 3 * 31);
    CHECK(a.passes.backward == 3 * 30);
    CHECK(a.notes.size() == 3);
    CHECK_FALSE(a.signed_map);
    for (std::int64_t s = 0; s < 3; ++s) {
      const Attribution one = explain("meaningful-perturbation", model, x.batch_slice(s),
                                      {targets[static_cast<std::size_t>(s)]}, params);
      CHECK(relative_difference(one.map, a.map.batch_slice(s), 1.0) < 1e-4);
    }
  }
}

TEST_CASE("meaningful perturbation validates its parameters", "[meaningful-perturbation]") {
  const auto info = registry().explainer("meaningful-perturbation")->info();
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"mask_size", "0"},
                                                        {"l1", "-1"},
                                                        {"tv", "-0.1"},
                                                        {"tv_beta", "0.5"},
                                                        {"blur_sigma", "-1"},
                                                        {"iterations", "0"},
                                                        {"learning_rate", "0"},
                                                        {"samples", "3"}}) {
    INFO(name << "=" << value);
    CHECK_THROWS_AS(Params::validate(info.params, {{name, value}}, info.name), InvalidArgument);
  }
  const Model model = conv_net(1);
  CHECK_THROWS_AS(
      explain("meaningful-perturbation", model, random_tensor(model.batch_shape(1), 1), {9}),
      InvalidArgument);
}
