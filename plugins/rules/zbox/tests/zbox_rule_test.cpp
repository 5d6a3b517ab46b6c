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

RuleMap zbox_first(const std::string& low, const std::string& high) {
  return RuleMap(registry().make_rule("zero", {}))
      .for_first_linear(registry().make_rule("zbox", {{"low", low}, {"high", high}}));
}

}  // namespace

TEST_CASE("zbox matches hand-computed relevance with scalar bounds", "[zbox]") {
  // x = (1, 2), LRP-0 above gives R_h = (6, -3). zbox with l = 0, h = 4 at fc1:
  //  unit 1: z = 3 - 0 - 0 = 3, s1 = 2; unit 2 (W- = (-1, 0)): z = 3 - 0 - (-4) = 7, s2 = -3/7.
  //  R_1 = 1*(2 + 3/7) - 4*(3/7) = 5/7; R_2 = 2*(2 - 6/7) = 16/7; the sum is f = 3.
  const Tensor r = relevance(two_layer(), zbox_first("0", "4"), Tensor({1, 2, 1, 1}, {1, 2}), {0});
  CHECK(r[0] == Approx(5.0 / 7).epsilon(1e-5));
  CHECK(r[1] == Approx(16.0 / 7).epsilon(1e-5));
}

TEST_CASE("zbox matches hand-computed relevance with per-channel bounds", "[zbox]") {
  // l = (0, -1), h = (4, 3): unit 1: z = 3 - (0 - 1) = 4, s1 = 1.5; unit 2: z = 3 + 2 + 4 = 9,
  // s2 = -1/3. R_1 = 1*(11/6) - 0 - 4*(1/3) = 1/2; R_2 = 2*(5/6) + 1*(5/6) - 0 = 5/2.
  const Tensor r =
      relevance(two_layer(), zbox_first("0, -1", "4,3"), Tensor({1, 2, 1, 1}, {1, 2}), {0});
  CHECK(r[0] == Approx(0.5).epsilon(1e-5));
  CHECK(r[1] == Approx(2.5).epsilon(1e-5));
}

TEST_CASE("zbox conserves at the input", "[zbox]") {
  // First conv z-box with per-channel bounds around the input, LRP-0 elsewhere, with bias: z-box's
  // denominators cancel the bias, so the input receives exactly what the first layer got.
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto model = conv_net(seed, true);
    const Tensor x = random_tensor(model.batch_shape(2), seed, -0.5F, 0.8F);
    const NodeId first = model.graph().at("conv1");
    auto context = make_context();
    const RuleMap rules = RuleMap(registry().make_rule("epsilon", {}))
                              .for_first_linear(registry().make_rule(
                                  "zbox", {{"low", "-1,-0.6,-0.5"}, {"high", "1,0.9,0.8"}}));
    auto run = propagate_from_targets(model, x, std::vector<std::int64_t>{1, 3}, rules,
                                      StartValue::logit, {model.graph().input(), first}, *context);
    for (std::int64_t s = 0; s < 2; ++s) {
      CAPTURE(seed, s);
      CHECK(sum(run.signals.at(model.graph().input()).batch_slice(s)) ==
            Approx(sum(run.signals.at(first).batch_slice(s))).epsilon(1e-5));
    }
  }
}

TEST_CASE("zbox validates its bounds", "[zbox]") {
  const auto& reg = registry();
  const auto expect = [&](const std::map<std::string, std::string>& p,
                          std::vector<std::string> parts) {
    try {
      reg.make_rule("zbox", p);
      FAIL("accepted");
    } catch (const InvalidArgument& e) {
      for (const auto& part : parts) CHECK(std::string(e.what()).find(part) != std::string::npos);
    }
  };
  expect({{"low", "1"}, {"high", "0"}}, {"low = 1", "high = 0"});
  expect({{"low", "0,2"}, {"high", "1,1"}}, {"channel 1"});
  expect({{"low", "x"}}, {"'low'", "'x'"});
  expect({{"high", "1,,2"}}, {"'high'"});
  expect({{"low", "0,0"}, {"high", "1,1,1"}}, {"'low' has 2", "'high' has 3"});
  // A list that does not match the layer's channel count is refused when it meets the layer.
  const auto model = two_layer();
  auto context = make_context();
  const Tensor x({1, 2, 1, 1}, {1, 2});
  try {
    relevance(model, zbox_first("0,0,0", "1"), x, {0});
    FAIL("three lower bounds for two channels were accepted");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("'low' has 3 values") != std::string::npos);
    CHECK(what.find("2 channels") != std::string::npos);
  }
}

TEST_CASE("zbox: a batch equals one-by-one and 1 thread equals 2", "[zbox]") {
  const RuleMap rules(registry().make_rule("zbox", {{"low", "-1"}, {"high", "1"}}));
  const auto model = dense_net(5, true);
  const Tensor x = random_tensor(model.batch_shape(3), 6);
  const std::vector<std::int64_t> targets{0, 1, 2};
  check_batch_and_threads(model, rules, x, targets);
}
