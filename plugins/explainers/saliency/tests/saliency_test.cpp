#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("saliency equals the finite-difference gradient of the target logit", "[saliency]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (const auto& model : {conv_net(seed), residual_net(seed), dense_net(seed)}) {
      const Tensor x = random_tensor(model.batch_shape(1), seed + 10);
      for (std::int64_t target = 0; target < model.class_count(); target += 2) {
        const auto a = explain("saliency", model, x, {target}, {{"abs", "false"}});
        // float32 logits of magnitude ~1 differenced over 2e-3 carry ~1e-4 of rounding noise,
        // about 1e-3 relative to these gradients: 1e-2 leaves a margin and still catches a wrong
        // or missing path (those are off by tens of percent).
        const auto fd = finite_difference_gradient(model, x, target, 1e-3F);
        CAPTURE(seed, target, model.graph().size());
        CHECK(relative_difference_where_smooth(a.map, fd) < 1e-2);
        CHECK(a.passes.forward == 1);
        CHECK(a.passes.backward == 1);
      }
    }
  }
}

TEST_CASE("saliency satisfies Euler's identity on bias-free ReLU networks", "[saliency]") {
  // Without biases these networks are positively homogeneous: f(x) = <x, grad f(x)> exactly,
  // kinks or not.
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (const auto& model :
         {conv_net(seed, false), residual_net(seed, false), dense_net(seed, false)}) {
      const Tensor x = random_tensor(model.batch_shape(1), seed + 30);
      const Tensor f = logits(model, x);
      for (std::int64_t target = 0; target < model.class_count(); ++target) {
        const auto g = explain("saliency", model, x, {target}, {{"abs", "false"}});
        double dot = 0.0;
        for (std::int64_t i = 0; i < x.size(); ++i) dot += static_cast<double>(x[i]) * g.map[i];
        CAPTURE(seed, target);
        CHECK(dot == Approx(f[target]).epsilon(1e-4).margin(1e-6));
      }
    }
  }
}

TEST_CASE("saliency abs=true is the absolute gradient", "[saliency]") {
  const auto model = conv_net(4);
  const Tensor x = random_tensor(model.batch_shape(1), 5);
  const auto signed_map = explain("saliency", model, x, {2}, {{"abs", "false"}});
  const auto abs_map = explain("saliency", model, x, {2});
  REQUIRE(abs_map.map.shape() == x.shape());
  bool any_negative = false;
  for (std::int64_t i = 0; i < x.size(); ++i) {
    CHECK(abs_map.map[i] == std::fabs(signed_map.map[i]));
    any_negative = any_negative || signed_map.map[i] < 0;
  }
  CHECK(any_negative);
}

TEST_CASE("saliency of a batch equals sample by sample, with 1 and 2 threads", "[saliency]") {
  const auto model = residual_net(7);
  const Tensor x = random_tensor(model.batch_shape(3), 8);
  const std::vector<std::int64_t> targets{0, 3, 1};
  const auto batch = check_batch_equals_samples("saliency", model, x, targets, {{"abs", "false"}});
  CHECK(batch.passes.forward == 3);
}

TEST_CASE("saliency refuses a target out of range and NaN input", "[saliency]") {
  const auto model = dense_net(1);
  Tensor x = random_tensor(model.batch_shape(1), 2);
  CHECK_THROWS_WITH(explain("saliency", model, x, {3}),
                    Catch::Contains("target class 3") && Catch::Contains("3 classes"));
  x[5] = std::nanf("");
  CHECK_THROWS_AS(explain("saliency", model, x, {0}), InvalidArgument);
  CHECK_THROWS_WITH(
      explain("saliency", model, random_tensor(model.batch_shape(1), 2), {0}, {{"bogus", "1"}}),
      Catch::Contains("unknown parameter 'bogus'") && Catch::Contains("abs"));
}
