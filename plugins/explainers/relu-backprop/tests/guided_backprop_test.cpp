#include <catch2/catch.hpp>
#include <lumen/layers.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>
#include <lumen/trace.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"
#include "two_layer_model.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using relu_backprop_test::two_layer_model;

RuleMap guided_rules() {
  RuleMap rules(gradient_rule());
  rules.for_op("Relu", registry().make_rule("guided-relu", {}));
  return rules;
}

// The smallest signal arriving at the inputs of ReLU nodes whose producer feeds nothing else (so
// the collected signal is exactly what the ReLU sent back), and how many such ReLUs there were.
std::pair<float, int> smallest_signal_at_relu_inputs(const Model& model, const Tensor& x,
                                                     std::int64_t target, const RuleMap& rules) {
  const Graph& g = model.graph();
  std::vector<NodeId> collect;
  for (NodeId id : g.topological_order()) {
    const Node& n = g.node(id);
    if (n.layer && n.layer->op_type() == "Relu" && g.consumers(n.inputs[0]).size() == 1) {
      collect.push_back(n.inputs[0]);
    }
  }
  auto context = make_context();
  const std::vector<std::int64_t> targets{target};
  const auto run =
      propagate_from_targets(model, x, targets, rules, StartValue::one, collect, *context);
  float smallest = 0.0F;
  for (const auto& [id, signal] : run.signals) {
    for (float v : signal.values()) smallest = std::min(smallest, v);
  }
  return {smallest, static_cast<int>(collect.size())};
}

}  // namespace

TEST_CASE("guided-backprop matches the hand-computed two-layer example", "[guided-backprop]") {
  const auto model = two_layer_model();
  const Tensor x({1, 1, 2, 2}, {1.0F, 2.0F, -1.0F, 0.5F});
  // Class 0: upstream at the ReLU (2, 5, -1), active (1, 0, 1), positive (1, 1, 0): only unit 0
  // passes, 2 * W1[0] = (2, 2, 0, 0). Class 1: upstream (-1, 1, 3): only unit 2, 3 * W1[2].
  const std::vector<std::vector<float>> expected{{2, 2, 0, 0}, {3, 0, 0, 6}};
  for (std::int64_t c = 0; c < 2; ++c) {
    const auto a = explain("guided-backprop", model, x, {c});
    REQUIRE(a.map.shape() == x.shape());
    for (int i = 0; i < 4; ++i) CHECK(a.map[i] == expected[c][i]);
    CHECK(a.passes.forward == 1);
    CHECK(a.passes.backward == 1);
  }
  // With -x the ReLU is active at unit 1 only: class 0 passes 5 * W1[1], class 1 passes W1[1].
  const Tensor negated({1, 1, 2, 2}, {-1.0F, -2.0F, 1.0F, -0.5F});
  const std::vector<std::vector<float>> expected_negated{{0, -5, 5, 0}, {0, -1, 1, 0}};
  for (std::int64_t c = 0; c < 2; ++c) {
    const auto a = explain("guided-backprop", model, negated, {c});
    for (int i = 0; i < 4; ++i) CHECK(a.map[i] == expected_negated[c][i]);
  }
}

TEST_CASE("guided-backprop is the guided-relu rule map", "[guided-backprop]") {
  const auto model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(1), 4);
  auto context = make_context();
  const std::vector<std::int64_t> targets{2};
  const NodeId input = model.graph().input();
  auto run =
      propagate_from_targets(model, x, targets, guided_rules(), StartValue::one, {input}, *context);
  const auto a = explain("guided-backprop", model, x, targets);
  CHECK(relative_difference(a.map, run.signals.at(input)) == 0.0);
  // and not the gradient
  const auto g = explain("saliency", model, x, targets, {{"abs", "false"}});
  CHECK(relative_difference(a.map, g.map) > 1e-2);
}

TEST_CASE("guided-backprop never sends a negative signal into a ReLU", "[guided-backprop]") {
  int checked = 0;
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (const auto& model : {conv_net(seed), residual_net(seed), dense_net(seed)}) {
      const Tensor x = random_tensor(model.batch_shape(1), seed + 40);
      for (std::int64_t target = 0; target < model.class_count(); ++target) {
        const auto [smallest, relus] =
            smallest_signal_at_relu_inputs(model, x, target, guided_rules());
        CAPTURE(seed, target, model.graph().size());
        CHECK(smallest >= 0.0F);
        checked += relus;
      }
      // The control: the plain gradient does send negative signal into some ReLU.
      const auto [gradient_smallest, relus] =
          smallest_signal_at_relu_inputs(model, x, 0, RuleMap(gradient_rule()));
      CHECK(relus > 0);
      CHECK(gradient_smallest < 0.0F);
    }
  }
  CHECK(checked > 50);
}

TEST_CASE("guided-backprop of a batch equals sample by sample, with 1 and 2 threads",
          "[guided-backprop]") {
  for (const auto& model : {conv_net(5), residual_net(6)}) {
    const Tensor x = random_tensor(model.batch_shape(3), 8);
    const std::vector<std::int64_t> targets{0, 3, 1};
    const auto batch = check_batch_equals_samples("guided-backprop", model, x, targets);
    CHECK(batch.passes.forward == 3);
    CHECK(batch.passes.backward == 3);
  }
}
