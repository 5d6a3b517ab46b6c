// Zennit's composites: the rule per layer of composites.py on the test models, and the same
// composite written as JSON (epsilon-plus.json) giving exactly the built-in's rules and map.
#include <catch2/catch.hpp>
#include <lumen/composite.hpp>
#include <lumen/registry.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using Assignment = std::map<std::string, RuleChoice>;

// The plan of a registered composite by node name.
Assignment planned(const Model& model, const CompositeInfo& composite) {
  Assignment out;
  for (const auto& [id, choice] : plan_rules(model, composite))
    out[model.graph().node(id).name] = choice;
  return out;
}

const RuleChoice kPass{"pass", {}};
const RuleChoice kEpsilon{"epsilon", {}};
const RuleChoice kNorm{"epsilon", {{"epsilon", "1e-6"}}};  // Zennit's Norm at average pooling
const RuleChoice kZPlus{"zplus", {}};
const RuleChoice kAlpha2Beta1{"alpha-beta", {{"alpha", "2"}, {"beta", "1"}}};
const RuleChoice kFlat{"flat", {}};

}  // namespace

TEST_CASE("Zennit's composites give each layer type the rule of composites.py",
          "[composite][zennit]") {
  // conv_net: conv1 relu1 pool1 conv2 features gap flatten fc softmax; max-pooling, flatten and
  // softmax get no rule (the explainer or the engine routes them).
  const auto conv = [](RuleChoice first, RuleChoice rest) {
    return Assignment{{"conv1", std::move(first)}, {"relu1", kPass}, {"conv2", std::move(rest)},
                      {"features", kPass},         {"gap", kNorm},   {"fc", kEpsilon}};
  };
  const std::map<std::string, Assignment> expected{
      {"epsilon-plus", conv(kZPlus, kZPlus)},
      {"epsilon-alpha2-beta1", conv(kAlpha2Beta1, kAlpha2Beta1)},
      {"epsilon-plus-flat", conv(kFlat, kZPlus)},
      {"epsilon-alpha2-beta1-flat", conv(kFlat, kAlpha2Beta1)},
      {"epsilon-gamma-box", conv({"zbox", {}}, {"gamma", {}})},
  };
  const Model model = conv_net(1);
  REQUIRE(registry().composite_names().size() >= expected.size());
  for (const auto& [name, rules] : expected) {
    CAPTURE(name);
    CHECK(planned(model, registry().composite(name)) == rules);
  }
  // On a network of dense layers the flat composites' first layer is the first Gemm;
  // epsilon-gamma-box has z-box only at a convolution, so here none.
  const Model dense = dense_net(1);
  const Assignment flat_dense{{"fc1", kFlat}, {"relu", kPass}, {"fc2", kEpsilon}};
  CHECK(planned(dense, registry().composite("epsilon-plus-flat")) == flat_dense);
  CHECK(planned(dense, registry().composite("epsilon-alpha2-beta1-flat")) == flat_dense);
  CHECK(planned(dense, registry().composite("epsilon-gamma-box")) ==
        Assignment{{"fc1", kEpsilon}, {"relu", kPass}, {"fc2", kEpsilon}});
}

TEST_CASE("a composite written in JSON reproduces epsilon-plus exactly", "[composite][zennit]") {
  const CompositeInfo built_in = registry().composite("epsilon-plus");
  const CompositeInfo file = read_composite_file(LUMEN_EPSILON_PLUS_JSON, registry());
  CHECK(file.name == LUMEN_EPSILON_PLUS_JSON);
  CHECK(file.layers == built_in.layers);
  CHECK(file.first == built_in.first);
  CHECK(file.last == built_in.last);
  for (const Model& model :
       {conv_net(2), residual_net(2), dense_net(2), lumen::conformance::batch_norm_net(2)}) {
    CHECK(plan_rules(model, file) == plan_rules(model, built_in));
    const Tensor x = random_tensor(model.batch_shape(2), 3);
    const std::vector<std::int64_t> targets{0, 1};
    const auto by_name = explain("lrp", model, x, targets, {{"composite", "epsilon-plus"}});
    const auto by_file =
        explain("lrp", model, x, targets, {{"composite", LUMEN_EPSILON_PLUS_JSON}});
    CHECK(relative_difference(by_file.map, by_name.map) == 0.0);
    // The same rules, node by node; only the composite's name differs.
    REQUIRE(by_file.notes.size() == by_name.notes.size());
    CHECK(by_file.notes.front() == std::string("composite: ") + LUMEN_EPSILON_PLUS_JSON);
    CHECK(std::equal(by_file.notes.begin() + 1, by_file.notes.end(), by_name.notes.begin() + 1));
  }
}
