#include <catch2/catch.hpp>
#include <lumen/context.hpp>
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

Conv2dParams conv(std::int64_t in, std::int64_t out, std::int64_t groups, std::uint64_t seed) {
  Conv2dParams p;
  p.weight = random_tensor({out, in / groups, 3, 3}, seed);
  p.groups = groups;
  return p;
}

// Convolutions with stride, padding, dilation and groups, average pooling, a residual Add and a
// Concat, all without bias: [N,4,9,9] -> ... -> Linear -> 3 logits.
Model mixed_net(std::uint64_t seed) {
  Graph g;
  auto x = g.add_input("input", {4, 9, 9});
  auto p1 = conv(4, 4, 2, seed);
  p1.stride = {2, 2};
  p1.pads = {1, 1, 1, 1};
  auto c1 = g.add_node("conv_s2", "", make_conv2d(p1), {x});
  auto r1 = g.add_node("relu1", "", make_relu(), {c1});
  auto p2 = conv(4, 4, 4, seed + 1);
  p2.dilation = {2, 2};
  p2.pads = {2, 2, 2, 2};
  auto c2 = g.add_node("conv_dil_dw", "", make_conv2d(p2), {r1});
  auto sum = g.add_node("add", "", make_add(), {c2, r1});
  auto r2 = g.add_node("relu2", "", make_relu(), {sum});
  auto p3 = conv(4, 2, 2, seed + 2);
  p3.pads = {1, 0, 1, 2};
  auto c3 = g.add_node("conv_grouped", "", make_conv2d(p3), {r2});
  Pool2dParams pool;
  pool.kernel = {3, 3};
  pool.stride = {2, 2};
  pool.pads = {1, 1, 1, 1};
  auto avg = g.add_node("avgpool", "", make_avg_pool2d(pool), {r2});
  Pool2dParams small;
  small.kernel = {3, 3};
  auto c3p = g.add_node("avg_c3", "", make_avg_pool2d(small), {c3});
  auto cat = g.add_node("concat", "", make_concat(1), {avg, c3p});
  auto fl = g.add_node("flatten", "", make_flatten(1), {cat});
  const auto width = element_count(g.node(fl).output_shape);
  auto fc = g.add_node("fc", "logits",
                       make_linear(random_tensor({3, width}, seed + 3), std::nullopt), {fl});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{4, 9, 9}, {}, {}});
}

}  // namespace

TEST_CASE("zero is registered as a parameterless conserving relevance rule", "[zero]") {
  const auto rule = registry().make_rule("zero", {});
  CHECK(rule->name() == "zero");
  CHECK(rule->signal() == Signal::relevance);
  CHECK(rule->conserves());
  CHECK(registry().rule_info("zero").params.empty());
  CHECK(rule->applies_to(*make_linear(Tensor({2, 2}, 1.0F), std::nullopt)));
  CHECK(rule->applies_to(*make_avg_pool2d({})));
  CHECK_FALSE(rule->applies_to(*make_relu()));
  CHECK_FALSE(rule->applies_to(*make_max_pool2d({})));
}

TEST_CASE("zero matches hand-computed relevance on a 2-layer network", "[zero]") {
  // x = (1, 2): z1 = (3, 3), h = (3, 3), f = 2*3 - 3 = 3.
  // R_h = h_i w_i f / f = (6, -3); R_x1 = 1*(1*6/3 + -1*-3/3) = 3, R_x2 = 2*(1*6/3 + 2*-3/3) = 0.
  const auto model = two_layer();
  const Tensor r = relevance(model, RuleMap(registry().make_rule("zero", {})),
                             Tensor({1, 2, 1, 1}, {1, 2}), {0});
  CHECK(r[0] == Approx(3.0));
  CHECK(r[1] == Approx(0.0).margin(1e-6));
}

TEST_CASE("zero sends nothing back from an output with z = 0", "[zero]") {
  // x = (2, 1): z1 = (3, 0); the second hidden unit is 0 and so is everything it receives.
  const auto model = two_layer();
  const Tensor r = relevance(model, RuleMap(registry().make_rule("zero", {})),
                             Tensor({1, 2, 1, 1}, {2, 1}), {0});
  // f = 6; R_h = (6, 0); R_x = (2*6/3, 1*6/3).
  CHECK(r[0] == Approx(4.0));
  CHECK(r[1] == Approx(2.0));
}

TEST_CASE("zero and epsilon conserve the target logit through conv, pooling, Add and Concat",
          "[zero]") {
  for (const char* name : {"zero", "epsilon"}) {
    const std::map<std::string, std::string> params =
        std::string(name) == "epsilon" ? std::map<std::string, std::string>{{"epsilon", "1e-9"}}
                                       : std::map<std::string, std::string>{};
    const RuleMap rules(registry().make_rule(name, params));
    for (std::uint64_t seed : {1U, 2U, 3U}) {
      for (const auto& model :
           {mixed_net(seed), conv_net(seed, false), residual_net(seed, false)}) {
        const Tensor x = random_tensor(model.batch_shape(2), seed + 30);
        const Tensor scores = logits(model, x);
        const std::vector<std::int64_t> targets{0, model.class_count() - 1};
        const Tensor r = relevance(model, rules, x, targets);
        for (std::int64_t s = 0; s < 2; ++s) {
          const double f = scores[s * model.class_count() + targets[s]];
          CAPTURE(name, seed, s, f);
          CHECK(sum(r.batch_slice(s)) == Approx(f).epsilon(1e-5));
        }
      }
    }
  }
}

TEST_CASE("zero: a batch equals one-by-one and 1 thread equals 2", "[zero]") {
  const RuleMap rules(registry().make_rule("zero", {}));
  const auto model = mixed_net(9);
  const Tensor x = random_tensor(model.batch_shape(3), 10);
  const std::vector<std::int64_t> targets{0, 1, 2};
  check_batch_and_threads(model, rules, x, targets);
}
