#include <catch2/catch.hpp>
#include <lumen/composite.hpp>
#include <lumen/context.hpp>
#include <lumen/layers.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("pass applies to element-wise activations only", "[pass]") {
  const auto rule = registry().make_rule("pass", {});
  CHECK(rule->name() == "pass");
  CHECK(rule->signal() == Signal::relevance);
  CHECK(rule->applies_to(*make_relu()));
  CHECK(rule->applies_to(*make_sigmoid()));
  CHECK(rule->applies_to(*make_leaky_relu(0.1F)));
  CHECK_FALSE(rule->applies_to(*make_linear(Tensor({2, 2}, 1.0F), std::nullopt)));
  CHECK_FALSE(rule->applies_to(*make_max_pool2d({})));
  CHECK_FALSE(rule->applies_to(*make_add()));
}

TEST_CASE("pass returns the upstream relevance unchanged", "[pass]") {
  const auto rule = registry().make_rule("pass", {});
  auto context = make_context();
  for (const auto& layer : {make_relu(), make_tanh()}) {
    const Node node{0, "act", "act_out", layer, {}, {}};
    const Tensor x({1, 4}, {-1, 0, 2, -3});
    const Tensor u({1, 4}, {5, -2, 0.5F, 7});
    const std::vector<const Tensor*> inputs{&x};
    const Tensor y = layer->forward(inputs, context->backend(), nullptr);
    const RuleInput in{node, inputs, y, nullptr, u, context->backend()};
    const auto out = rule->propagate(in);
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].shape() == x.shape());
    for (std::int64_t i = 0; i < 4; ++i) CHECK(out[0][i] == u[i]);
  }
}

TEST_CASE("pass at the activations of a 2-layer network leaves LRP-0 as it is", "[pass]") {
  // x = (1, 2) -> W1 = [[1, 1], [-1, 2]] -> ReLU -> W2 = [[2, -1]]: LRP-0 gives R_x = (3, 0)
  // when the ReLU passes R_h = (6, -3) on.
  Graph g;
  auto in = g.add_input("input", {2, 1, 1});
  auto f = g.add_node("flatten", "", make_flatten(1), {in});
  auto a = g.add_node("fc1", "", make_linear(Tensor({2, 2}, {1, 1, -1, 2}), std::nullopt), {f});
  auto r = g.add_node("relu", "", make_relu(), {a});
  auto b = g.add_node("fc2", "logits", make_linear(Tensor({1, 2}, {2, -1}), std::nullopt), {r});
  g.finalize(b);
  const Model model(std::move(g), InputSpec{{2, 1, 1}, {}, {}});
  const RuleMap rules = RuleMap(registry().make_rule("zero", {}))
                            .for_kind(LayerKind::activation, registry().make_rule("pass", {}));
  auto context = make_context();
  const auto run =
      propagate_from_targets(model, Tensor({1, 2, 1, 1}, {1, 2}), std::vector<std::int64_t>{0},
                             rules, StartValue::logit, {model.graph().input(), a}, *context);
  CHECK(run.signals.at(a)[0] == Approx(6.0));
  CHECK(run.signals.at(a)[1] == Approx(-3.0));
  CHECK(run.signals.at(model.graph().input())[0] == Approx(3.0));
}

TEST_CASE("Clip, HardSigmoid and HardSwish are activations a composite's kind selects for pass",
          "[pass]") {
  const auto rule = registry().make_rule("pass", {});
  CompositeInfo composite;
  composite.layers = {{NodeSelector::kinds({"activation"}), {"pass", {}}},
                      {NodeSelector::linear(), {"zero", {}}}};
  for (const auto& layer : {make_clip(0, 6), make_hard_sigmoid(0.2F, 0.5F), make_hard_swish()}) {
    INFO(layer->op_type());
    CHECK(rule->applies_to(*layer));
    // x -> fc1 -> activation -> fc2, as above.
    Graph g;
    auto in = g.add_input("input", {2, 1, 1});
    auto f = g.add_node("flatten", "", make_flatten(1), {in});
    auto a = g.add_node("fc1", "", make_linear(Tensor({2, 2}, {1, 1, -1, 2}), std::nullopt), {f});
    auto act = g.add_node("act", "", layer, {a});
    auto b = g.add_node("fc2", "logits", make_linear(Tensor({1, 2}, {2, -1}), std::nullopt), {act});
    g.finalize(b);
    const Model model(std::move(g), InputSpec{{2, 1, 1}, {}, {}});
    const auto plan = plan_rules(model, composite);
    CHECK(plan.at(act).rule == "pass");
    CHECK(plan.at(a).rule == "zero");
    const RuleMap rules =
        RuleMap(registry().make_rule("zero", {})).for_kind(LayerKind::activation, rule);
    auto context = make_context();
    const auto run =
        propagate_from_targets(model, Tensor({1, 2, 1, 1}, {1, 2}), std::vector<std::int64_t>{0},
                               rules, StartValue::logit, {model.graph().input(), a, act}, *context);
    // The activation hands its relevance on unchanged; LRP-0 then conserves it at fc1.
    for (std::int64_t j = 0; j < 2; ++j) CHECK(run.signals.at(a)[j] == run.signals.at(act)[j]);
    const auto& r = run.signals.at(model.graph().input());
    CHECK(r[0] + r[1] == Approx(run.signals.at(a)[0] + run.signals.at(a)[1]).margin(1e-6));
  }
}
