#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/binary_layers.hpp>
#include <lumen/composite.hpp>
#include <lumen/context.hpp>
#include <lumen/layers.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>

#include "explain_helpers.hpp"
#include "gated_models.hpp"
#include "gradcheck.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("product-split applies to products of two computed tensors only", "[product]") {
  const auto rule = registry().make_rule("product-split", {});
  CHECK(rule->name() == "product-split");
  CHECK(rule->signal() == Signal::relevance);
  CHECK(rule->applies_to(*make_mul()));
  CHECK_FALSE(rule->applies_to(*make_mul_constant(Tensor({}, 2.0F))));
  CHECK_FALSE(rule->applies_to(*make_add()));
  CHECK_FALSE(rule->applies_to(*make_sigmoid()));
}

TEST_CASE("product-split gives each operand half, summed over a broadcast operand's axes",
          "[product]") {
  const auto rule = registry().make_rule("product-split", {});
  auto context = make_context();
  const Node node{0, "scale", "scale_out", make_mul(), {}, {}};
  const Tensor a({1, 2, 1, 2}, {1, -2, 3, 4});
  const Tensor gate({1, 2, 1, 1}, {0.5F, 0.25F});
  const Tensor u({1, 2, 1, 2}, {2, 4, -6, 8});
  const std::vector<const Tensor*> inputs{&a, &gate};
  const Tensor y = node.layer->forward(inputs, context->backend(), nullptr);
  const auto out = rule->propagate({node, inputs, y, nullptr, u, context->backend()});
  REQUIRE(out.size() == 2);
  REQUIRE(out[0].shape() == a.shape());
  REQUIRE(out[1].shape() == gate.shape());
  const std::vector<float> to_signal{1, 2, -3, 4};
  const std::vector<float> to_gate{3, 1};  // (2 + 4) / 2, (-6 + 8) / 2
  for (std::int64_t i = 0; i < 4; ++i) CHECK(out[0][i] == to_signal[static_cast<std::size_t>(i)]);
  for (std::int64_t i = 0; i < 2; ++i) CHECK(out[1][i] == to_gate[static_cast<std::size_t>(i)]);
}

TEST_CASE(
    "LRP-0 on a squeeze-and-excitation block conserves with the gate routing or product-split",
    "[product]") {
  for (const bool gate_first : {false, true}) {
    const Model model = se_block_model(gate_first, false);
    const Graph& g = model.graph();
    for (const bool split : {false, true}) {
      CAPTURE(gate_first, split);
      RuleMap rules(registry().make_rule("zero", {}));
      if (split) rules.for_op("Mul", registry().make_rule("product-split", {}));
      auto context = make_context();
      const Tensor x = random_tensor(model.batch_shape(2), 5, 0.0F, 1.0F);
      const std::vector<std::int64_t> targets{0, 2};
      const auto run = propagate_from_targets(model, x, targets, rules, StartValue::logit,
                                              {g.input(), g.at("scale"), g.at("gate")}, *context);
      const Tensor& scores = run.trace.output(model.logits_node());
      const double logits = scores[targets[0]] + scores[3 + targets[1]];
      CHECK(std::fabs(logits) > 1e-3);
      CHECK(sum(run.signals.at(g.at("scale"))) == Approx(logits).epsilon(1e-4));
      // The gate branch's relevance: none with the gate routing, so everything reaches the input
      // (zero conserves on bias-free layers); half with product-split, which the gate branch may
      // lose where its ReLU units are off (LRP-0 gives zero inputs nothing).
      const double at_gate = sum(run.signals.at(g.at("gate")));
      if (split) {
        CHECK(at_gate == Approx(logits / 2).epsilon(1e-4));
      } else {
        CHECK(at_gate == 0.0);
        CHECK(sum(run.signals.at(g.input())) == Approx(logits).epsilon(1e-4));
      }
    }
  }
}
