#include <catch2/catch.hpp>
#include <lumen/backend.hpp>
#include <lumen/layers.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

#include "rule_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("deconvnet-relu is registered as a parameterless gradient rule", "[deconvnet-relu]") {
  const RuleInfo& info = registry().rule_info("deconvnet-relu");
  CHECK(info.signal == Signal::gradient);
  CHECK(info.params.empty());
  const auto rule = registry().make_rule("deconvnet-relu", {});
  CHECK(rule->name() == "deconvnet-relu");
  CHECK(rule->signal() == Signal::gradient);
}

TEST_CASE("deconvnet-relu applies to ReLU layers only", "[deconvnet-relu]") {
  const auto rule = registry().make_rule("deconvnet-relu", {});
  CHECK(rule->applies_to(*make_relu()));
  CHECK_FALSE(rule->applies_to(*make_leaky_relu(0.1F)));
  CHECK_FALSE(rule->applies_to(*make_tanh()));
  CHECK_FALSE(rule->applies_to(*make_linear(Tensor({2, 2}, 1.0F), std::nullopt)));
  CHECK_FALSE(rule->applies_to(*make_max_pool2d({})));
}

TEST_CASE("deconvnet-relu matches hand-computed values", "[deconvnet-relu]") {
  const auto rule = registry().make_rule("deconvnet-relu", {});
  // max(0, u), whatever x is: the negative inputs at 0 and 1 still pass a positive signal.
  const Tensor x({1, 8}, {-1.0F, 0.0F, 2.0F, 3.0F, -0.5F, 1.0F, 0.5F, -2.0F});
  const Tensor u({1, 8}, {1.0F, 2.0F, -1.0F, 4.0F, -3.0F, 0.0F, 0.25F, -1.0F});
  const Tensor expected({1, 8}, {1.0F, 2.0F, 0.0F, 4.0F, 0.0F, 0.0F, 0.25F, 0.0F});
  const Tensor g = apply_at_relu(*rule, x, u);
  REQUIRE(g.shape() == x.shape());
  for (std::int64_t i = 0; i < g.size(); ++i) CHECK(g[i] == expected[i]);
}

TEST_CASE("deconvnet-relu ignores the forward input", "[deconvnet-relu]") {
  const auto rule = registry().make_rule("deconvnet-relu", {});
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor({2, 3, 4, 4}, seed);
    Tensor negated = x;
    for (float& v : negated.values()) v = -v;
    const Tensor u = random_tensor({2, 3, 4, 4}, seed + 100);
    const Tensor g = apply_at_relu(*rule, x, u);
    const Tensor h = apply_at_relu(*rule, negated, u);
    CAPTURE(seed);
    for (std::int64_t i = 0; i < g.size(); ++i) {
      CHECK(g[i] == h[i]);
      CHECK(g[i] == (u[i] > 0.0F ? u[i] : 0.0F));
    }
  }
}
