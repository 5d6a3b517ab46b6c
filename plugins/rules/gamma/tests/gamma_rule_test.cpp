#include <catch2/catch.hpp>
#include <lumen/context.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>

#include "explain_helpers.hpp"
#include "rule_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// x(2) -> W1 = [[1, 1], [-1, 2]] -> ReLU -> W2 = [[2, -1], [-1, 0.5]], no bias.
Model two_layer() { return two_layer_relu_net(Tensor({2, 2}, {2, -1, -1, 0.5F})); }

}  // namespace

TEST_CASE("gamma is registered with gamma = 0.25 by default", "[gamma]") {
  const auto& info = registry().rule_info("gamma");
  REQUIRE(info.params.size() == 1);
  CHECK(info.params[0].name == "gamma");
  CHECK(info.params[0].default_value == "0.25");
  const auto rule = registry().make_rule("gamma", {});
  CHECK(rule->name() == "gamma");
  CHECK(rule->conserves());
  CHECK_THROWS_AS(registry().make_rule("gamma", {{"gamma", "-1"}}), InvalidArgument);
}

TEST_CASE("gamma matches hand-computed relevance on a 2-layer network", "[gamma]") {
  // x = (1, 2), h = (3, 3). Target 0: f = 3 > 0, W2_up = (2.5, -1), z_up = 4.5,
  // R_h = (3*2.5*3/4.5, 3*-1*3/4.5) = (5, -2); W1_up = [[1.25, 1.25], [-1, 2.5]], z_up = (3.75, 4),
  // s = (4/3, -1/2): R_x = (1.25*4/3 + 0.5, 2*(1.25*4/3 - 1.25)) = (13/6, 5/6).
  // Target 1: f = -1.5 < 0, W2_dn = (-1.25, 0.5), z_dn = -2.25, R_h = (-2.5, 1);
  // s = (-2/3, 1/4): R_x = (-5/6 - 1/4, 2*(-5/6 + 5/8)) = (-13/12, -5/12).
  const auto model = two_layer();
  const Tensor x({2, 2, 1, 1}, {1, 2, 1, 2});
  const Tensor r = relevance(model, RuleMap(registry().make_rule("gamma", {})), x, {0, 1});
  CHECK(r[0] == Approx(13.0 / 6).epsilon(1e-5));
  CHECK(r[1] == Approx(5.0 / 6).epsilon(1e-5));
  CHECK(r[2] == Approx(-13.0 / 12).epsilon(1e-5));
  CHECK(r[3] == Approx(-5.0 / 12).epsilon(1e-5));
}

TEST_CASE("gamma handles negative inputs as Zennit's generalised rule", "[gamma]") {
  // One layer W = [[1, -2]], x = (3, -1): z = 3 + 2 = 5 > 0.
  // gamma = 1: W_up = (2, -2), W_dn = (1, -4). z_up = W_up x+ + W_dn x- = 6 + 4 = 10.
  // R = 5: s = 0.5; R_x1 = 3 * 2 * 0.5 = 3, R_x2 = -1 * -4 * 0.5 = 2.
  Graph g;
  auto in = g.add_input("input", {2, 1, 1});
  auto f = g.add_node("flatten", "", make_flatten(1), {in});
  auto fc = g.add_node("fc", "logits", make_linear(Tensor({1, 2}, {1, -2}), std::nullopt), {f});
  g.finalize(fc);
  const Model model(std::move(g), InputSpec{{2, 1, 1}, {}, {}});
  const Tensor r = relevance(model, RuleMap(registry().make_rule("gamma", {{"gamma", "1"}})),
                             Tensor({1, 2, 1, 1}, {3, -1}), {0});
  CHECK(r[0] == Approx(3.0).epsilon(1e-5));
  CHECK(r[1] == Approx(2.0).epsilon(1e-5));
}

TEST_CASE("gamma = 0 is LRP-epsilon and gamma conserves on bias-free networks", "[gamma]") {
  // Both stabilise by 1e-6; gamma sums its denominator in another order, which a small z amplifies.
  const RuleMap zero(registry().make_rule("epsilon", {}));
  const RuleMap g0(registry().make_rule("gamma", {{"gamma", "0"}}));
  const RuleMap g(registry().make_rule("gamma", {}));
  for (std::uint64_t seed : {1U, 2U}) {
    for (const auto& model : {conv_net(seed, false), residual_net(seed, false)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 40);
      const std::vector<std::int64_t> targets{0, 1};
      CHECK(relative_difference(relevance(model, g0, x, targets),
                                relevance(model, zero, x, targets)) < 1e-3);
      const Tensor scores = logits(model, x);
      const Tensor r = relevance(model, g, x, targets);
      for (std::int64_t s = 0; s < 2; ++s) {
        CHECK(sum(r.batch_slice(s)) ==
              Approx(scores[s * model.class_count() + targets[s]]).epsilon(1e-4));
      }
    }
  }
}

TEST_CASE("gamma: a batch equals one-by-one and 1 thread equals 2", "[gamma]") {
  const RuleMap rules(registry().make_rule("gamma", {}));
  const auto model = residual_net(5, true);
  const Tensor x = random_tensor(model.batch_shape(3), 6);
  const std::vector<std::int64_t> targets{0, 1, 3};
  check_batch_and_threads(model, rules, x, targets);
}
