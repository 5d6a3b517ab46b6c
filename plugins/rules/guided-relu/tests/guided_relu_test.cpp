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

TEST_CASE("guided-relu is registered as a parameterless gradient rule", "[guided-relu]") {
  const RuleInfo& info = registry().rule_info("guided-relu");
  CHECK(info.signal == Signal::gradient);
  CHECK(info.params.empty());
  const auto rule = registry().make_rule("guided-relu", {});
  CHECK(rule->name() == "guided-relu");
  CHECK(rule->signal() == Signal::gradient);
}

TEST_CASE("guided-relu applies to ReLU layers only", "[guided-relu]") {
  const auto rule = registry().make_rule("guided-relu", {});
  CHECK(rule->applies_to(*make_relu()));
  CHECK_FALSE(rule->applies_to(*make_leaky_relu(0.1F)));
  CHECK_FALSE(rule->applies_to(*make_sigmoid()));
  CHECK_FALSE(rule->applies_to(*make_linear(Tensor({2, 2}, 1.0F), std::nullopt)));
  CHECK_FALSE(rule->applies_to(*make_max_pool2d({})));
}

TEST_CASE("guided-relu matches hand-computed values", "[guided-relu]") {
  const auto rule = registry().make_rule("guided-relu", {});
  // Passes only where x > 0 and u > 0; x = 0 counts as inactive.
  const Tensor x({1, 8}, {-1.0F, 0.0F, 2.0F, 3.0F, -0.5F, 1.0F, 0.5F, -2.0F});
  const Tensor u({1, 8}, {1.0F, 2.0F, -1.0F, 4.0F, -3.0F, 0.0F, 0.25F, -1.0F});
  const Tensor expected({1, 8}, {0.0F, 0.0F, 0.0F, 4.0F, 0.0F, 0.0F, 0.25F, 0.0F});
  const Tensor g = apply_at_relu(*rule, x, u);
  REQUIRE(g.shape() == x.shape());
  for (std::int64_t i = 0; i < g.size(); ++i) CHECK(g[i] == expected[i]);
}

TEST_CASE("guided-relu is the ReLU gradient of the rectified upstream", "[guided-relu]") {
  // An independent formulation: ReLU's own vector-Jacobian product applied to max(0, u).
  const auto rule = registry().make_rule("guided-relu", {});
  const auto relu = make_relu();
  const auto context = make_context();
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor({2, 3, 4, 4}, seed);
    const Tensor u = random_tensor({2, 3, 4, 4}, seed + 100);
    Tensor rectified = u;
    for (float& v : rectified.values()) v = std::max(v, 0.0F);
    const std::vector<const Tensor*> inputs{&x};
    const Tensor y = relu->forward(inputs, context->backend(), nullptr);
    const Tensor reference = relu->backward(inputs, y, nullptr, rectified, context->backend())[0];
    const Tensor g = apply_at_relu(*rule, x, u);
    std::int64_t passed = 0;
    for (std::int64_t i = 0; i < g.size(); ++i) {
      CHECK(g[i] == reference[i]);
      CHECK(g[i] >= 0.0F);
      passed += g[i] > 0.0F ? 1 : 0;
    }
    CAPTURE(seed);
    CHECK(passed > 0);  // about a quarter of the values pass; none would mean a broken rule
  }
}
