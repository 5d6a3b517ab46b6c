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

RuleMap first(const char* name) {
  return RuleMap(registry().make_rule("zero", {})).for_first_linear(registry().make_rule(name, {}));
}

// The rule at a single node computing `layer` on x, with upstream u.
Tensor apply(const char* name, std::shared_ptr<const Layer> layer, const Tensor& x,
             const Tensor& u) {
  auto context = make_context();
  const Node node{0, "n", "n_out", layer, {}, {}};
  const std::vector<const Tensor*> inputs{&x};
  const Tensor y = layer->forward(inputs, context->backend(), nullptr);
  const RuleInput in{node, inputs, y, nullptr, u, context->backend()};
  return registry().make_rule(name, {})->propagate(in)[0];
}

}  // namespace

TEST_CASE("wsquare matches hand-computed relevance on a 2-layer network", "[wsquare]") {
  // x = (1, 2): LRP-0 above gives R_h = (6, -3). w^2 rows: (1, 1) (sum 2) and (1, 4) (sum 5):
  // R_x = (6/2 - 3/5, 6/2 - 3*4/5) = (2.4, 0.6).
  const Tensor r = relevance(two_layer(), first("wsquare"), Tensor({1, 2, 1, 1}, {1, 2}), {0});
  CHECK(r[0] == Approx(2.4).epsilon(1e-5));
  CHECK(r[1] == Approx(0.6).epsilon(1e-5));
}

TEST_CASE("wsquare includes the squared bias in its denominator", "[wsquare]") {
  // y = 1*x1 - 2*x2 + 2: w^2 = (1, 4), b^2 = 4, R = 9 -> (9*1/9, 9*4/9) = (1, 4).
  const Tensor r = apply("wsquare", make_linear(Tensor({1, 2}, {1, -2}), Tensor({1}, {2})),
                         Tensor({1, 2}, {0.3F, 0.7F}), Tensor({1, 1}, {9}));
  CHECK(r[0] == Approx(1.0).epsilon(1e-5));
  CHECK(r[1] == Approx(4.0).epsilon(1e-5));
}

TEST_CASE("flat spreads relevance over the inputs each output sees, padding excluded", "[flat]") {
  // A 1x3 convolution over one row of 3 with one column of padding each side: output 0 sees
  // inputs {0, 1}, output 1 all three, output 2 {1, 2}. Upstream (6, 3, 4):
  // R = (6/2 + 3/3, 6/2 + 3/3 + 4/2, 3/3 + 4/2) = (4, 6, 3).
  Conv2dParams p;
  p.weight = Tensor({1, 1, 1, 3}, {0.5F, -2, 7});
  p.bias = Tensor({1}, {5});
  p.pads = {0, 1, 0, 1};
  const Tensor r = apply("flat", make_conv2d(p), Tensor({1, 1, 1, 3}, {-1, 2, 3}),
                         Tensor({1, 1, 1, 3}, {6, 3, 4}));
  CHECK(r[0] == Approx(4.0).epsilon(1e-5));
  CHECK(r[1] == Approx(6.0).epsilon(1e-5));
  CHECK(r[2] == Approx(3.0).epsilon(1e-5));
}

TEST_CASE("flat and wsquare conserve on bias-free networks", "[flat][wsquare]") {
  for (const char* name : {"flat", "wsquare"}) {
    CHECK(registry().make_rule(name, {})->conserves());
    const RuleMap rules(registry().make_rule(name, {}));
    for (const auto& model : {conv_net(3, false), residual_net(3, false), dense_net(3, false)}) {
      const Tensor x = random_tensor(model.batch_shape(2), 8);
      const Tensor scores = logits(model, x);
      const Tensor r = relevance(model, rules, x, {0, 1});
      for (std::int64_t s = 0; s < 2; ++s) {
        CAPTURE(name, s);
        // wsquare's 1e-6 stabiliser is 1.6e-5 of global average pooling's sum of w^2 (1/16).
        CHECK(sum(r.batch_slice(s)) == Approx(scores[s * model.class_count() + s]).epsilon(1e-4));
      }
    }
  }
}

TEST_CASE("flat and wsquare: a batch equals one-by-one and 1 thread equals 2", "[flat]") {
  for (const char* name : {"flat", "wsquare"}) {
    const RuleMap rules(registry().make_rule(name, {}));
    const auto model = residual_net(5, true);
    const Tensor x = random_tensor(model.batch_shape(3), 6);
    const std::vector<std::int64_t> targets{0, 1, 3};
    check_batch_and_threads(model, rules, x, targets);
  }
}
