#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>
#include <random>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using ParamMap = std::map<std::string, std::string>;

// The noisy copy k of a one-sample input as the documented recipe draws it: stream k of sample
// slot 0, sigma = noise_level * (max x - min x).
Tensor noisy_copy(const Tensor& x, double noise_level, std::uint64_t seed, std::uint64_t k) {
  const auto [lo, hi] = std::minmax_element(x.values().begin(), x.values().end());
  const double sigma = noise_level * (static_cast<double>(*hi) - *lo);
  auto rng = make_context(1, seed)->rng(0, k);
  std::normal_distribution<double> normal(0.0, 1.0);
  Tensor out = x;
  for (float& v : out.values()) v = static_cast<float>(v + sigma * normal(rng));
  return out;
}

}  // namespace

TEST_CASE("smoothgrad with noise_level=0 equals its base", "[smoothgrad]") {
  for (std::uint64_t seed : {1U, 2U}) {
    for (const auto& model : {conv_net(seed), residual_net(seed), dense_net(seed)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 5);
      const std::vector<std::int64_t> targets{1, 0};
      struct Case {
        ParamMap smooth;
        std::string base;
        ParamMap base_params;
      };
      const std::vector<Case> cases{
          Case{ParamMap{}, "saliency", ParamMap{}},
          Case{ParamMap{{"base.abs", "false"}}, "saliency", ParamMap{{"abs", "false"}}},
          Case{ParamMap{{"base", "input-x-gradient"}}, "input-x-gradient", ParamMap{}},
          Case{ParamMap{{"base", "integrated-gradients"}, {"base.steps", "6"}},
               "integrated-gradients", ParamMap{{"steps", "6"}}},
      };
      for (const auto& c : cases) {
        ParamMap p{{"noise_level", "0"}, {"samples", "3"}};
        p.insert(c.smooth.begin(), c.smooth.end());
        const auto smooth = explain("smoothgrad", model, x, targets, p);
        const auto plain = explain(c.base, model, x, targets, c.base_params);
        CAPTURE(seed, model.graph().size(), c.base);
        CHECK(relative_difference(smooth.map, plain.map) < 1e-6);
      }
    }
  }
}

TEST_CASE("smoothgrad averages its base over the documented noisy copies", "[smoothgrad]") {
  for (std::uint64_t seed : {3U, 4U}) {
    const auto model = conv_net(seed);
    const Tensor x = random_tensor(model.batch_shape(1), seed + 7);
    for (const char* base : {"saliency", "integrated-gradients"}) {
      const int samples = 5;
      const ParamMap base_params =
          std::string(base) == "saliency" ? ParamMap{{"abs", "false"}} : ParamMap{{"steps", "4"}};
      ParamMap p{{"base", base}, {"samples", std::to_string(samples)}, {"noise_level", "0.2"}};
      for (const auto& [name, value] : base_params) {
        std::string key = "base.";
        key += name;
        p[key] = value;
      }
      const auto smooth = explain("smoothgrad", model, x, {3}, p, std::nullopt, 1, seed);
      Tensor expected(x.shape());
      for (int k = 0; k < samples; ++k) {
        const auto a = explain(base, model, noisy_copy(x, 0.2, seed, k), {3}, base_params);
        for (std::int64_t i = 0; i < x.size(); ++i) expected[i] += a.map[i] / samples;
      }
      CAPTURE(seed, base);
      CHECK(relative_difference(smooth.map, expected) < 1e-5);
      const auto clean = explain(base, model, x, {3}, base_params);
      CHECK(relative_difference(smooth.map, clean.map) > 1e-3);  // the noise did something
    }
  }
}

TEST_CASE("smoothgrad vargrad is the variance: mean of squares minus square of means",
          "[smoothgrad]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto model = residual_net(seed);
    const Tensor x = random_tensor(model.batch_shape(2), seed + 9);
    const ParamMap common{{"samples", "12"}, {"base.abs", "false"}};
    const auto with = [&](const char* variant) {
      ParamMap p = common;
      p["variant"] = variant;
      return explain("smoothgrad", model, x, {0, 3}, p, std::nullopt, 1, seed).map;
    };
    const Tensor mean = with("mean"), squared = with("squared"), vargrad = with("vargrad");
    Tensor expected(x.shape());
    double scale = 0.0;
    for (std::int64_t i = 0; i < x.size(); ++i) {
      CHECK(vargrad[i] >= 0.0F);
      CHECK(squared[i] >= 0.0F);
      expected[i] = squared[i] - mean[i] * mean[i];
      scale = std::max(scale, static_cast<double>(squared[i]));
    }
    CAPTURE(seed);
    // The difference of two float32 results cancels: compare on the scale of the squares.
    double worst = 0.0;
    for (std::int64_t i = 0; i < x.size(); ++i) {
      worst = std::max(worst, std::fabs(static_cast<double>(vargrad[i]) - expected[i]));
    }
    CHECK(worst < 1e-5 * scale);
    CHECK(sum(vargrad) > 0.0);
  }
}

TEST_CASE("smoothgrad is reproducible by seed, batch equals one by one, 1 thread = 2 threads",
          "[smoothgrad]") {
  const auto model = conv_net(5);
  const Tensor x = random_tensor(model.batch_shape(3), 6);
  const std::vector<std::int64_t> targets{2, 0, 4};
  const ParamMap p{{"samples", "6"}, {"base.abs", "false"}};
  const auto a = explain("smoothgrad", model, x, targets, p, std::nullopt, 1, 11);
  CHECK(relative_difference(explain("smoothgrad", model, x, targets, p, std::nullopt, 1, 11).map,
                            a.map) == 0.0);
  CHECK(relative_difference(explain("smoothgrad", model, x, targets, p, std::nullopt, 2, 11).map,
                            a.map) == 0.0);
  CHECK(relative_difference(explain("smoothgrad", model, x, targets, p, std::nullopt, 1, 12).map,
                            a.map) > 1e-3);
  CHECK(a.passes.forward == 3 * 6);
  CHECK(a.passes.backward == 3 * 6);
  for (std::int64_t s = 0; s < 3; ++s) {
    const auto one =
        explain("smoothgrad", model, x.batch_slice(s), {targets[s]}, p, std::nullopt, 1, 11);
    CHECK(relative_difference(a.map.batch_slice(s), one.map) < 1e-5);
  }
}

TEST_CASE("smoothgrad refuses bad base parameters and layer-space bases", "[smoothgrad]") {
  const auto model = conv_net(1);
  const Tensor x = random_tensor(model.batch_shape(1), 2);
  CHECK_THROWS_WITH(explain("smoothgrad", model, x, {0}, {{"base.bogus", "1"}}),
                    Catch::Contains("bogus") && Catch::Contains("smoothgrad") &&
                        Catch::Contains("saliency") && Catch::Contains("abs"));
  CHECK_THROWS_WITH(
      explain("smoothgrad", model, x, {0}, {{"base", "integrated-gradients"}, {"base.steps", "0"}}),
      Catch::Contains("steps") && Catch::Contains("integrated-gradients"));
  CHECK_THROWS_WITH(explain("smoothgrad", model, x, {0}, {{"base", "grad-cam"}}),
                    Catch::Contains("grad-cam") && Catch::Contains("input-space"));
  CHECK_THROWS_AS(explain("smoothgrad", model, x, {0}, {{"base", "no-such-method"}}), Error);
}

TEST_CASE("smoothgrad: passes of one copy each give the map of one pass, every variant",
          "[smoothgrad]") {
  // A pass memory of one byte cuts the copies into passes of one; the maps are summed as they
  // come (vargrad keeps them for its second pass), in copy order either way.
  const auto model = conv_net(5);
  const Tensor x = random_tensor(model.batch_shape(2), 6);
  const std::vector<std::int64_t> targets{2, 0};
  const auto explainer = registry().explainer("smoothgrad");
  for (const char* variant : {"mean", "squared", "vargrad"}) {
    const Params params = Params::validate(
        explainer->info().params,
        {{"samples", "7"}, {"variant", variant}, {"base", "input-x-gradient"}}, "smoothgrad");
    Attribution results[2];
    for (const int small : {0, 1}) {
      auto context = make_context(1, 3);
      if (small == 1) context->set_pass_memory(1);
      results[small] = explainer->explain({model, x, targets, params, std::nullopt}, *context);
    }
    CHECK(relative_difference(results[1].map, results[0].map) < 1e-5);
    CHECK(results[1].passes.forward == results[0].passes.forward);
  }
}
