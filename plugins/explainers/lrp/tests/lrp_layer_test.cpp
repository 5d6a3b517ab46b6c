// lrp --layer: the relevance at a chosen layer, from the same backward pass as the input's.
#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/propagation.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// The layer's output with the batch of `input`.
Shape layer_shape(const Model& model, NodeId layer, const Tensor& input) {
  Shape s = model.graph().node(layer).output_shape;
  s[0] = input.dim(0);
  return s;
}

}  // namespace

TEST_CASE("lrp at a layer: [N,C,h,w] relevance that sums to the target logit as the input's does",
          "[lrp]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto model = conv_net(seed, false);
    const NodeId features = model.graph().at("features");
    const Tensor x = random_tensor(model.batch_shape(2), seed + 30);
    const Tensor scores = logits(model, x);
    const std::vector<std::int64_t> targets{1, model.class_count() - 1};
    const std::map<std::string, std::string> params{{"epsilon", "1e-9"}};
    const auto a = explain("lrp", model, x, targets, params, features);
    REQUIRE(a.layer == features);
    REQUIRE(a.layer_map.shape() == layer_shape(model, features, x));
    REQUIRE(a.layer_map.dim(1) > 1);
    for (std::int64_t s = 0; s < 2; ++s) {
      const double f = scores[s * model.class_count() + targets[static_cast<std::size_t>(s)]];
      CAPTURE(seed, s, f);
      CHECK(sum(a.layer_map.batch_slice(s)) == Approx(f).epsilon(1e-5));
      CHECK(sum(a.layer_map.batch_slice(s)) == Approx(sum(a.map.batch_slice(s))).epsilon(1e-5));
    }
    // The input relevance is the one lrp gives without a layer.
    const auto plain = explain("lrp", model, x, targets, params);
    CHECK(plain.layer_map.empty());
    CHECK_FALSE(plain.layer.has_value());
    CHECK(relative_difference(a.map, plain.map) == 0.0);
  }
}

TEST_CASE("lrp with epsilon 0 at a layer equals activation x gradient there", "[lrp]") {
  // LRP-0 on a ReLU network (biases included) gives a_i * df/da_i at every layer; the gradient
  // comes from the core's gradient rule, independently of lrp.
  for (std::uint64_t seed : {4U, 5U}) {
    for (const auto& model : {conv_net(seed, true), residual_net(seed, true)}) {
      const NodeId features = model.graph().at("features");
      const Tensor x = random_tensor(model.batch_shape(2), seed + 40);
      const std::vector<std::int64_t> targets{0, 2};
      const auto a = explain("lrp", model, x, targets, {{"epsilon", "0"}}, features);
      auto context = make_context();
      auto g = propagate_from_targets(model, x, targets, RuleMap(gradient_rule()), StartValue::one,
                                      {features}, *context);
      Tensor expected = g.signals.at(features);
      const Tensor& activation = g.trace.output(features);
      for (std::int64_t i = 0; i < expected.size(); ++i) expected[i] *= activation[i];
      REQUIRE(a.layer_map.shape() == expected.shape());
      CAPTURE(seed, model.graph().size());
      CHECK(relative_difference(a.layer_map, expected) < 1e-4);
    }
  }
}

TEST_CASE("lrp at a layer: the input node gives the input relevance, a flat layer is refused",
          "[lrp]") {
  const auto model = conv_net(6, false);
  const Tensor x = random_tensor(model.batch_shape(1), 7);
  const auto a = explain("lrp", model, x, {3}, {}, model.graph().input());
  CHECK(a.map.shape() == x.shape());
  CHECK(relative_difference(a.layer_map, a.map) == 0.0);
  CHECK(relative_difference(a.map, explain("lrp", model, x, {3}).map) == 0.0);

  const auto dense = dense_net(6);
  const Tensor y = random_tensor(dense.batch_shape(1), 8);
  CHECK_THROWS_AS(explain("lrp", dense, y, {0}, {}, dense.graph().at("fc1")), InvalidArgument);
}
