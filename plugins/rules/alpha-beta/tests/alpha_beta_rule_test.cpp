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

// x(2) -> W1 = [[1, 1], [-1, 2]] -> ReLU -> W2 = [[2, -1]], no bias.
Model two_layer() { return two_layer_relu_net(Tensor({1, 2}, {2, -1})); }

}  // namespace

TEST_CASE("alpha-beta and zplus are registered, and alpha - beta = 1 is enforced", "[alpha-beta]") {
  const auto ab = registry().make_rule("alpha-beta", {});
  CHECK(ab->name() == "alpha-beta");
  // Where all weights are positive (average pooling) nothing lowers an output and alpha - beta
  // of the relevance is lost: only beta = 0 conserves on every linear layer.
  CHECK_FALSE(ab->conserves());
  CHECK(registry().make_rule("zplus", {})->name() == "zplus");
  CHECK(registry().make_rule("zplus", {})->conserves());
  CHECK(registry().make_rule("alpha-beta", {{"alpha", "1"}, {"beta", "0"}})->name() ==
        "alpha-beta");
  CHECK_NOTHROW(registry().make_rule("alpha-beta", {{"alpha", "1.1"}, {"beta", "0.1"}}));
  try {
    registry().make_rule("alpha-beta", {{"alpha", "3"}, {"beta", "1"}});
    FAIL("alpha 3, beta 1 was accepted");
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    CHECK(what.find("alpha = 3") != std::string::npos);
    CHECK(what.find("beta = 1") != std::string::npos);
  }
}

TEST_CASE("alpha-beta and zplus match hand-computed relevance on a 2-layer network",
          "[alpha-beta]") {
  // x = (1, 2), h = (3, 3), f = 3. alpha 2, beta 1:
  //  fc2: z+ = 6, z- = -3: R_h = 2*(3*2*3/6, 0) - (0, 3*-1*3/-3) = (6, -3).
  //  fc1 unit 1 (w = (1, 1)): z+ = 3 and no lowering contribution: 2*(1*6/3, 2*6/3) = (4, 8).
  //  fc1 unit 2 (w = (-1, 2)): z+ = 4, z- = -1, R = -3: 2*(0, 2*2*-3/4) - (1*-1*-3/-1, 0)
  //  = (3, -6). R_x = (7, 2): unit 1, with nothing to subtract, does not conserve.
  // zplus: R_h = (3*2*3/6, 0) = (3, 0); R_x = (1*3/3, 2*3/3) = (1, 2).
  const auto model = two_layer();
  const Tensor x({1, 2, 1, 1}, {1, 2});
  const Tensor ab = relevance(model, RuleMap(registry().make_rule("alpha-beta", {})), x, {0});
  CHECK(ab[0] == Approx(7.0).epsilon(1e-5));
  CHECK(ab[1] == Approx(2.0).epsilon(1e-5));
  const Tensor zp = relevance(model, RuleMap(registry().make_rule("zplus", {})), x, {0});
  CHECK(zp[0] == Approx(1.0).epsilon(1e-5));
  CHECK(zp[1] == Approx(2.0).epsilon(1e-5));
}

TEST_CASE("alpha-beta with negative inputs follows Zennit's sign split", "[alpha-beta]") {
  // One layer W = [[1, -2]], x = (3, -1), f = 5. Raising: x1 w1 = 3 and x2 w2 = 2 (z+ = 5);
  // nothing lowers. alpha 2, beta 1: R = 2*(3, 2) = (6, 4). zplus: (3, 2).
  Graph g;
  auto in = g.add_input("input", {2, 1, 1});
  auto f = g.add_node("flatten", "", make_flatten(1), {in});
  auto fc = g.add_node("fc", "logits", make_linear(Tensor({1, 2}, {1, -2}), std::nullopt), {f});
  g.finalize(fc);
  const Model model(std::move(g), InputSpec{{2, 1, 1}, {}, {}});
  const Tensor x({1, 2, 1, 1}, {3, -1});
  const Tensor ab = relevance(model, RuleMap(registry().make_rule("alpha-beta", {})), x, {0});
  CHECK(ab[0] == Approx(6.0).epsilon(1e-5));
  CHECK(ab[1] == Approx(4.0).epsilon(1e-5));
  const Tensor zp = relevance(model, RuleMap(registry().make_rule("zplus", {})), x, {0});
  CHECK(zp[0] == Approx(3.0).epsilon(1e-5));
  CHECK(zp[1] == Approx(2.0).epsilon(1e-5));
}

TEST_CASE("alpha-beta conserves at every conv and dense layer of bias-free nets, positive inputs",
          "[alpha-beta]") {
  auto context = make_context();
  for (const char* params : {"2,1", "1,0", "3,2"}) {
    const std::string p(params);
    const auto rule =
        registry().make_rule("alpha-beta", {{"alpha", p.substr(0, 1)}, {"beta", p.substr(2, 1)}});
    std::int64_t layers = 0;
    for (std::uint64_t seed : {1U, 2U}) {
      for (const auto& model :
           {conv_net(seed, false), residual_net(seed, false), dense_net(seed, false)}) {
        const Graph& g = model.graph();
        for (NodeId id : g.topological_order()) {
          const Node& n = g.node(id);
          // Mixed-sign weights: every output has raising and lowering contributions.
          if (n.layer->op_type() != "Conv" && n.layer->op_type() != "Gemm") continue;
          Shape shape = g.node(n.inputs[0]).output_shape;
          shape[0] = 2;
          const Tensor x = random_tensor(shape, seed + id, 0.1F, 1.0F);
          const std::vector<const Tensor*> inputs{&x};
          const Tensor y = n.layer->forward(inputs, context->backend(), nullptr);
          // The rule conserves where every output has raising and lowering contributions; a
          // random layer may have an output whose weights are all of one sign: skip it.
          const auto* lin = n.layer->as_linear();
          const Tensor zp =
              lin->forward_with(x, {WeightTransform::Kind::positive}, false, context->backend());
          const Tensor zn =
              lin->forward_with(x, {WeightTransform::Kind::negative}, false, context->backend());
          bool mixed = true;
          for (std::int64_t j = 0; j < zp.size(); ++j) mixed = mixed && zp[j] > 0 && zn[j] < 0;
          if (!mixed) continue;
          const Tensor up = random_tensor(y.shape(), seed + id + 100);
          const RuleInput in{n, inputs, y, nullptr, up, context->backend()};
          const Tensor r = rule->propagate(in)[0];
          CAPTURE(params, seed, n.name);
          CHECK(sum(r) == Approx(sum(up)).epsilon(1e-4));
          ++layers;
        }
      }
    }
    CHECK(layers >= 14);  // of 18
  }
}

TEST_CASE("alpha-beta: a batch equals one-by-one and 1 thread equals 2", "[alpha-beta]") {
  for (const char* name : {"alpha-beta", "zplus"}) {
    const RuleMap rules(registry().make_rule(name, {}));
    const auto model = residual_net(5, true);
    const Tensor x = random_tensor(model.batch_shape(3), 6);
    const std::vector<std::int64_t> targets{0, 1, 3};
    check_batch_and_threads(model, rules, x, targets);
  }
}
