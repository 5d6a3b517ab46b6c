#include "rule_helpers.hpp"

#include <catch2/catch.hpp>
#include <lumen/layers.hpp>

#include "explain_helpers.hpp"
#include "test_registry.hpp"

namespace lumen::testing {

Tensor relevance(const Model& model, const RuleMap& rules, const Tensor& x,
                 const std::vector<std::int64_t>& targets, int threads) {
  auto context = make_context(threads);
  const NodeId in = model.graph().input();
  auto run = propagate_from_targets(model, x, targets, rules, StartValue::logit, {in}, *context);
  return run.signals.at(in);
}

void check_batch_and_threads(const Model& model, const RuleMap& rules, const Tensor& x,
                             const std::vector<std::int64_t>& targets) {
  const Tensor batch = relevance(model, rules, x, targets);
  const Tensor two = relevance(model, rules, x, targets, 2);
  for (std::int64_t i = 0; i < batch.size(); ++i) REQUIRE(batch[i] == two[i]);
  for (std::int64_t s = 0; s < x.dim(0); ++s) {
    const Tensor one =
        relevance(model, rules, x.batch_slice(s), {targets[static_cast<std::size_t>(s)]});
    CHECK(relative_difference(batch.batch_slice(s), one) < 1e-5);
  }
}

Model two_layer_relu_net(const Tensor& second) {
  Graph g;
  auto x = g.add_input("input", {2, 1, 1});
  auto f = g.add_node("flatten", "", make_flatten(1), {x});
  auto a = g.add_node("fc1", "", make_linear(Tensor({2, 2}, {1, 1, -1, 2}), std::nullopt), {f});
  auto r = g.add_node("relu", "", make_relu(), {a});
  auto b = g.add_node("fc2", "logits", make_linear(second, std::nullopt), {r});
  g.finalize(b);
  return Model(std::move(g), InputSpec{{2, 1, 1}, {}, {}});
}

Tensor apply_at_relu(const Rule& rule, const Tensor& x, const Tensor& u) {
  const auto relu = make_relu();
  const Node node{0, "relu", "relu_out", relu, {}, {}};
  const auto context = make_context();
  const std::vector<const Tensor*> inputs{&x};
  const Tensor y = relu->forward(inputs, context->backend(), nullptr);
  const RuleInput in{node, inputs, y, nullptr, u, context->backend()};
  auto out = rule.propagate(in);
  REQUIRE(out.size() == 1);
  return out[0];
}

}  // namespace lumen::testing
