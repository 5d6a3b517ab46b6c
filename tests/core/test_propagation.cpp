#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/context.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/model.hpp>
#include <lumen/propagation.hpp>
#include <lumen/trace.hpp>

#include "even_rule.hpp"
#include "naive_backend.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// x -> relu -> (linear a, linear b) -> add: fan-out at relu, fan-in at add.
Model diamond() {
  Graph g;
  auto x = g.add_input("input", {1, 1, 4});
  auto f = g.add_node("flatten", "", make_flatten(1), {x});
  auto r = g.add_node("relu", "", make_relu(), {f});
  auto a = g.add_node("a", "", make_linear(random_tensor({3, 4}, 1), std::nullopt), {r});
  auto b = g.add_node("b", "", make_linear(random_tensor({3, 4}, 2), std::nullopt), {r});
  auto s = g.add_node("sum", "", make_add(), {a, b});
  g.finalize(s);
  return Model(std::move(g), InputSpec{{1, 1, 4}, {}, {}});
}

}  // namespace

TEST_CASE("gradients sum over fan-out: d(a+b)/dx = (Wa + Wb)^T 1[x>0]", "[propagation]") {
  const Model m = diamond();
  Context ctx(naive_backend());
  const Tensor x({1, 1, 1, 4}, {0.5F, -0.3F, 0.2F, 0.9F});
  const Trace trace = run_forward(m, x, ctx);
  const std::vector<std::int64_t> target{1};
  const std::vector<float> one{1.0F};
  const auto out =
      propagate(m, trace, RuleMap(gradient_rule()),
                {m.logits_node(), one_hot_rows({1, 3}, target, one), {m.graph().input()}}, ctx);
  const Tensor wa = random_tensor({3, 4}, 1), wb = random_tensor({3, 4}, 2);
  const Tensor& g = out.at(m.graph().input());
  for (int i = 0; i < 4; ++i) {
    const float expected = x[i] > 0 ? wa[4 + i] + wb[4 + i] : 0.0F;
    CHECK(g[i] == Approx(expected).margin(1e-6));
  }
  CHECK(ctx.counts().forward == 1);
  CHECK(ctx.counts().backward == 1);
}

TEST_CASE("relevance routing keeps the total through add, relu, flatten and fan-out",
          "[propagation]") {
  const Model m = diamond();
  Context ctx(naive_backend());
  const Tensor x({1, 1, 1, 4}, {0.5F, 0.3F, 0.2F, 0.9F});
  const Trace trace = run_forward(m, x, ctx);
  const std::vector<std::int64_t> target{2};
  const std::vector<float> start{5.0F};
  const auto out = propagate(m, trace, RuleMap(std::make_shared<EvenRule>()),
                             {m.logits_node(),
                              one_hot_rows({1, 3}, target, start),
                              {m.graph().input(), m.graph().at("a")}},
                             ctx);
  double total = 0.0;
  for (float v : out.at(m.graph().input()).values()) total += v;
  CHECK(total == Approx(5.0));
  // At the add, relevance splits in proportion to each input's share of the sum.
  const float ya = trace.output(m.graph().at("a"))[2];
  const float yb = trace.output(m.graph().at("b"))[2];
  CHECK(out.at(m.graph().at("a"))[2] == Approx(5.0F * ya / (ya + yb)));
}

TEST_CASE("the engine refuses a relevance rule that leaves a linear layer unhandled",
          "[propagation]") {
  class NoLinear final : public Rule {
   public:
    std::string name() const override { return "no-linear"; }
    Signal signal() const override { return Signal::relevance; }
    bool applies_to(const Layer&) const override { return false; }
    std::vector<Tensor> propagate(const RuleInput&) const override { return {}; }
  };
  const Model m = diamond();
  Context ctx(naive_backend());
  const Trace trace = run_forward(m, Tensor({1, 1, 1, 4}, 1.0F), ctx);
  const std::vector<std::int64_t> target{0};
  const std::vector<float> start{1.0F};
  CHECK_THROWS_WITH(
      propagate(m, trace, RuleMap(std::make_shared<NoLinear>()),
                {m.logits_node(), one_hot_rows({1, 3}, target, start), {m.graph().input()}}, ctx),
      Catch::Contains("(Gemm)") && Catch::Contains("rule 'no-linear' does not handle node"));
  CHECK_THROWS_AS(RuleMap(gradient_rule()).for_node("a", std::make_shared<NoLinear>()),
                  InvalidArgument);
}

TEST_CASE("rule maps pick by node name, first/last linear, op and kind", "[propagation]") {
  const Model m = testing::conv_net(1);
  auto even = std::make_shared<EvenRule>();
  class Named final : public Rule {
   public:
    explicit Named(std::string n) : n_(std::move(n)) {}
    std::string name() const override { return n_; }
    Signal signal() const override { return Signal::relevance; }
    bool applies_to(const Layer&) const override { return true; }
    std::vector<Tensor> propagate(const RuleInput&) const override { return {}; }

   private:
    std::string n_;
  };
  RuleMap map(even);
  map.for_first_linear(std::make_shared<Named>("first"))
      .for_last_linear(std::make_shared<Named>("last"));
  map.for_op("Relu", std::make_shared<Named>("relu-op"))
      .for_kind(LayerKind::pooling, std::make_shared<Named>("pool-kind"));
  map.for_node("conv2", std::make_shared<Named>("by-name"));
  const Graph& g = m.graph();
  CHECK(map.select(m, g.at("conv1")).name() == "first");
  CHECK(map.select(m, g.at("fc")).name() == "last");
  CHECK(map.select(m, g.at("conv2")).name() == "by-name");
  CHECK(map.select(m, g.at("relu1")).name() == "relu-op");
  CHECK(map.select(m, g.at("pool1")).name() == "pool-kind");
  CHECK(map.select(m, g.at("gap")).name() == "even");
}

TEST_CASE("propagate_from_targets starts at each sample's target logit with 1 or its value",
          "[propagation]") {
  const Model m = testing::dense_net(3);
  const Tensor x = random_tensor(m.batch_shape(2), 4);
  const std::vector<std::int64_t> targets{2, 0};
  const NodeId input = m.graph().input();
  Context ctx(naive_backend());
  const auto ones = propagate_from_targets(m, x, targets, RuleMap(gradient_rule()), StartValue::one,
                                           {input}, ctx);
  const auto logits = propagate_from_targets(m, x, targets, RuleMap(gradient_rule()),
                                             StartValue::logit, {input}, ctx);
  const Tensor& f = ones.trace.output(m.logits_node());
  const std::int64_t per_sample = x.size() / 2;
  for (std::int64_t s = 0; s < 2; ++s) {
    const float scale = f[s * 3 + targets[static_cast<std::size_t>(s)]];
    for (std::int64_t i = s * per_sample; i < (s + 1) * per_sample; ++i) {
      CHECK(logits.signals.at(input)[i] == Approx(scale * ones.signals.at(input)[i]).margin(1e-6));
    }
  }
  CHECK(ctx.counts().forward == 4);
  CHECK(ctx.counts().backward == 4);
  const std::vector<std::int64_t> bad{0, 3};
  CHECK_THROWS_WITH(
      propagate_from_targets(m, x, bad, RuleMap(gradient_rule()), StartValue::one, {input}, ctx),
      Catch::Contains("target class 3 of sample 1"));
}
