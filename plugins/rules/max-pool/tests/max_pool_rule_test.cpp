#include <algorithm>
#include <catch2/catch.hpp>
#include <lumen/context.hpp>
#include <lumen/layers.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

Tensor apply(const char* name, const Pool2dParams& p, const Tensor& x, const Tensor& u,
             int threads = 1) {
  auto context = make_context(threads);
  const auto layer = make_max_pool2d(p);
  const Node node{0, "pool", "pool_out", layer, {}, {}};
  const std::vector<const Tensor*> inputs{&x};
  std::unique_ptr<LayerState> state;
  const Tensor y = layer->forward(inputs, context->backend(), &state);
  REQUIRE(y.shape() == u.shape());
  const RuleInput in{node, inputs, y, state.get(), u, context->backend()};
  return registry().make_rule(name, {})->propagate(in)[0];
}

std::int64_t out_size(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d,
                      std::int64_t pad_begin, std::int64_t pad_end, bool ceil) {
  const std::int64_t span = in + pad_begin + pad_end - d * (k - 1) - 1;
  std::int64_t n = (ceil ? (span + s - 1) / s : span / s) + 1;
  if (ceil && (n - 1) * s >= in + pad_begin) --n;  // the last window must start inside
  return n;
}

// The proportional rule written out from the pooling parameters, window by window.
Tensor naive_proportional(const Pool2dParams& p, const Tensor& x, const Tensor& u) {
  const std::int64_t n = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  const std::int64_t oh = u.dim(2), ow = u.dim(3);
  Tensor r(x.shape());
  for (std::int64_t c = 0; c < n; ++c) {
    for (std::int64_t i = 0; i < oh; ++i) {
      for (std::int64_t j = 0; j < ow; ++j) {
        std::vector<std::int64_t> members;
        for (std::int64_t a = 0; a < p.kernel[0]; ++a) {
          for (std::int64_t b = 0; b < p.kernel[1]; ++b) {
            const std::int64_t y = i * p.stride[0] - p.pads[0] + a * p.dilation[0];
            const std::int64_t z = j * p.stride[1] - p.pads[1] + b * p.dilation[1];
            if (y >= 0 && y < h && z >= 0 && z < w) members.push_back(c * h * w + y * w + z);
          }
        }
        double total = 0;
        for (auto m : members) total += std::max(x[m], 0.0F);
        for (auto m : members) {
          const double share = total > 0 ? std::max(x[m], 0.0F) / total : 1.0 / members.size();
          r[m] += static_cast<float>(u[(c * oh + i) * ow + j] * share);
        }
      }
    }
  }
  return r;
}

}  // namespace

TEST_CASE("max-pool rules apply to MaxPool only and are registered", "[max-pool]") {
  for (const char* name : {"winner-take-all", "proportional"}) {
    const auto rule = registry().make_rule(name, {});
    CHECK(rule->name() == name);
    CHECK(rule->signal() == Signal::relevance);
    CHECK(rule->applies_to(*make_max_pool2d({})));
    CHECK_FALSE(rule->applies_to(*make_avg_pool2d({})));
    CHECK_FALSE(rule->applies_to(*make_relu()));
  }
}

TEST_CASE("max-pool rules match hand-computed values on overlapping windows", "[max-pool]") {
  // x = [[1, 0, 2], [-1, 3, 1]], 2x2 windows with stride 1: two windows sharing column 1.
  // Upstream (4, 6). Window 0 {1, 0, -1, 3}: positive sum 4; window 1 {0, 2, 3, 1}: sum 6.
  // proportional: [[4*1/4, 0, 6*2/6], [0, 4*3/4 + 6*3/6, 6*1/6]] = [[1, 0, 2], [0, 6, 1]].
  // winner-take-all: both windows' maximum is the 3: [[0, 0, 0], [0, 10, 0]].
  Pool2dParams p;
  p.kernel = {2, 2};
  const Tensor x({1, 1, 2, 3}, {1, 0, 2, -1, 3, 1});
  const Tensor u({1, 1, 1, 2}, {4, 6});
  const Tensor prop = apply("proportional", p, x, u);
  const std::vector<float> expected_prop{1, 0, 2, 0, 6, 1};
  const Tensor wta = apply("winner-take-all", p, x, u);
  const std::vector<float> expected_wta{0, 0, 0, 0, 10, 0};
  for (std::int64_t i = 0; i < 6; ++i) {
    CHECK(prop[i] == Approx(expected_prop[static_cast<std::size_t>(i)]).margin(1e-6));
    CHECK(wta[i] == expected_wta[static_cast<std::size_t>(i)]);
  }
}

TEST_CASE("proportional splits a window without positive values evenly", "[max-pool]") {
  Pool2dParams p;
  p.kernel = {2, 2};
  p.stride = {2, 2};
  const Tensor x({1, 1, 2, 2}, {-1, 0, -3, -2});
  const Tensor r = apply("proportional", p, x, Tensor({1, 1, 1, 1}, {8}));
  for (std::int64_t i = 0; i < 4; ++i) CHECK(r[i] == Approx(2.0));
}

TEST_CASE("proportional equals a window-by-window implementation for any geometry", "[max-pool]") {
  struct Case {
    std::array<std::int64_t, 2> kernel, stride, dilation;
    std::array<std::int64_t, 4> pads;
    bool ceil;
  };
  const std::vector<Case> cases{
      {{2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, false}, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, false},
      {{3, 2}, {2, 1}, {2, 1}, {1, 0, 1, 1}, false}, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 0, 0}, true},
      {{2, 3}, {3, 2}, {2, 2}, {0, 1, 1, 0}, true},
  };
  std::uint64_t seed = 1;
  for (const auto& c : cases) {
    Pool2dParams p;
    p.kernel = c.kernel;
    p.stride = c.stride;
    p.dilation = c.dilation;
    p.pads = c.pads;
    p.ceil_mode = c.ceil;
    const Tensor x = random_tensor({2, 3, 7, 9}, seed++, -0.5F, 1.0F);
    const Shape out_shape{
        2, 3, out_size(7, c.kernel[0], c.stride[0], c.dilation[0], c.pads[0], c.pads[2], c.ceil),
        out_size(9, c.kernel[1], c.stride[1], c.dilation[1], c.pads[1], c.pads[3], c.ceil)};
    const Tensor u = random_tensor(out_shape, seed++);
    const Tensor r = apply("proportional", p, x, u);
    const Tensor expected = naive_proportional(p, x, u);
    CAPTURE(seed);
    CHECK(relative_difference(r, expected) < 1e-5);
    CHECK(sum(r) == Approx(sum(u)).epsilon(1e-5));
    const Tensor two = apply("proportional", p, x, u, 2);
    for (std::int64_t i = 0; i < r.size(); ++i) REQUIRE(r[i] == two[i]);
    for (std::int64_t s = 0; s < 2; ++s) {
      CHECK(relative_difference(r.batch_slice(s), apply("proportional", p, x.batch_slice(s),
                                                        u.batch_slice(s))) < 1e-6);
    }
  }
}

TEST_CASE("max-pool rules in a rule map conserve LRP-0's relevance", "[max-pool]") {
  for (const char* name : {"winner-take-all", "proportional"}) {
    const auto model = conv_net(4, false);
    const RuleMap rules =
        RuleMap(registry().make_rule("zero", {})).for_op("MaxPool", registry().make_rule(name, {}));
    const Tensor x = random_tensor(model.batch_shape(2), 5);
    auto context = make_context();
    const auto run = propagate_from_targets(model, x, std::vector<std::int64_t>{0, 2}, rules,
                                            StartValue::logit, {model.graph().input()}, *context);
    const Tensor scores = logits(model, x);
    for (std::int64_t s = 0; s < 2; ++s) {
      CAPTURE(name, s);
      CHECK(sum(run.signals.at(model.graph().input()).batch_slice(s)) ==
            Approx(scores[s * model.class_count() + 2 * s]).epsilon(1e-5));
    }
  }
}
