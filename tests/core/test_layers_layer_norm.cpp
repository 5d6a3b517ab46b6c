// LayerNormalization and ReduceMean over any non-batch axes: values against direct loops,
// backward and parameter gradients against finite differences, ReduceMean's LinearLayer hooks,
// describe(), with_parameters() and the refusals.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "gradcheck.hpp"
#include "layer_norm_model.hpp"
#include "layer_test_helpers.hpp"
#include "lumen/error.hpp"
#include "lumen/normalisation_layers.hpp"
#include "naive_backend.hpp"

using namespace lumen;
using Catch::Matchers::Contains;
using lumen::testing::check_layer_gradient;
using lumen::testing::check_linear_backward;
using lumen::testing::dot;
using lumen::testing::forward_of;
using lumen::testing::iota;
using lumen::testing::layer_norm_by_definition;
using lumen::testing::max_abs_difference;
using lumen::testing::message_of;
using lumen::testing::naive_backend;
using lumen::testing::random_tensor;

namespace {

using I = std::int64_t;

}  // namespace

TEST_CASE("layer norm normalises each sample over its trailing axes", "[layers]") {
  const Tensor x = random_tensor({2, 3, 4, 5}, 1, -2.0F, 3.0F);
  const Tensor scale = random_tensor({5}, 2, 0.5F, 1.5F), bias = random_tensor({5}, 3);
  const auto& b = *naive_backend();
  const auto ln = make_layer_norm(-1, scale, bias, 1e-5F);
  CHECK(ln->kind() == LayerKind::normalisation);
  CHECK(ln->as_linear() == nullptr);
  CHECK(ln->op_type() == "LayerNormalization");
  CHECK(max_abs_difference(forward_of(*ln, {x}, b),
                           layer_norm_by_definition(x, 5, scale, &bias, 1e-5)) < 1e-5);
  // Over the last two axes (axis 2 of rank 4, given from either end), without a bias.
  const Tensor scale2 = random_tensor({4, 5}, 4, 0.5F, 1.5F);
  for (const I axis : {I{2}, I{-2}}) {
    const auto ln2 = make_layer_norm(axis, scale2, std::nullopt, 1e-3F);
    CHECK(max_abs_difference(forward_of(*ln2, {x}, b),
                             layer_norm_by_definition(x, 20, scale2, nullptr, 1e-3)) < 1e-5);
  }
  CHECK_THAT(ln->describe(), Contains("axis -1") && Contains("[5]") && Contains("eps"));
  CHECK_THAT(make_layer_norm(-1, scale, std::nullopt, 1e-5F)->describe(), Contains("no bias"));
}

TEST_CASE("layer norm backward and parameter gradients match finite differences", "[layers]") {
  struct Case {
    I axis;
    Shape scale, input;
    bool bias;
  };
  for (const auto& c : {Case{-1, {6}, {2, 3, 6}, true}, Case{1, {3, 4}, {2, 3, 4}, false},
                        Case{-1, {5}, {1, 2, 2, 5}, true}}) {
    CAPTURE(c.axis, to_string(c.input));
    std::optional<Tensor> bias;
    if (c.bias) bias = random_tensor(c.scale, 12);
    const auto ln = make_layer_norm(c.axis, random_tensor(c.scale, 11, 0.5F, 1.5F), bias, 1e-3F);
    const Tensor x = random_tensor(c.input, 13, -2.0F, 2.0F);
    const auto result = check_layer_gradient(*ln, {x}, *naive_backend());
    INFO(result.report);
    CHECK(result.ok);

    // Parameters: d/dp of sum(g * y) by central differences.
    const Tensor y = forward_of(*ln, {x}, *naive_backend());
    const Tensor g = random_tensor(y.shape(), 14);
    const Tensor* refs[] = {&x};
    const auto analytic = ln->parameter_gradients(refs, y, nullptr, g, *naive_backend());
    std::vector<Tensor> values;
    for (const Tensor* p : ln->parameters()) values.push_back(*p);
    REQUIRE(analytic.size() == (c.bias ? 2U : 1U));
    REQUIRE(values.size() == analytic.size());
    for (std::size_t k = 0; k < values.size(); ++k) {
      for (I i = 0; i < values[k].size(); ++i) {
        const float original = values[k][i];
        values[k][i] = original + 1e-2F;
        const double up = dot(forward_of(*ln->with_parameters(values), {x}, *naive_backend()), g);
        values[k][i] = original - 1e-2F;
        const double down = dot(forward_of(*ln->with_parameters(values), {x}, *naive_backend()), g);
        values[k][i] = original;
        CHECK(analytic[k][i] == Approx((up - down) / 2e-2).margin(2e-3));
      }
    }
  }
}

TEST_CASE("layer norm with_parameters replaces scale and bias, checking their shapes", "[layers]") {
  const auto ln = make_layer_norm(-1, Tensor({3}, 1.0F), Tensor({3}, 0.0F), 1e-5F);
  CHECK(ln->parameter_count() == 6);
  const auto changed = ln->with_parameters({Tensor({3}, 2.0F), Tensor({3}, 1.0F)});
  const Tensor x({1, 3}, {-1, 0, 1});
  const Tensor y = forward_of(*changed, {x}, *naive_backend());
  CHECK(y[0] == Approx(1.0F - 2.0F * std::sqrt(1.5F)).margin(1e-4));
  CHECK(y[1] == Approx(1.0F).margin(1e-6));
  CHECK_THAT(message_of<InvalidArgument>([&] {
               ln->with_parameters({Tensor({4}, 1.0F), Tensor({3})});
             }),
             Contains("'scale'") && Contains("[4]"));
  CHECK_THAT(message_of<InvalidArgument>([&] { ln->with_parameters({Tensor({3})}); }),
             Contains("expects 2 parameters"));
}

TEST_CASE("layer norm refuses the batch axis, shapes that do not fit and a bad epsilon",
          "[layers]") {
  const Tensor scale({4}, 1.0F);
  CHECK_THAT(message_of<InvalidArgument>([&] { make_layer_norm(-1, scale, Tensor({3}), 1e-5F); }),
             Contains("bias has shape [3]"));
  CHECK_THAT(message_of<InvalidArgument>([&] { make_layer_norm(-1, scale, std::nullopt, 0.0F); }),
             Contains("epsilon"));
  const auto ln = make_layer_norm(-1, scale, std::nullopt, 1e-5F);
  const Shape wrong{2, 3, 5};
  CHECK_THAT(message_of<ShapeError>([&] { ln->output_shape(std::span(&wrong, 1)); }),
             Contains("[2,3,5]") && Contains("[5]") && Contains("the scale [4]"));
  const auto over_batch = make_layer_norm(0, Tensor({2, 4}, 1.0F), std::nullopt, 1e-5F);
  const Shape two{2, 4};
  CHECK_THAT(message_of<ShapeError>([&] { over_batch->output_shape(std::span(&two, 1)); }),
             Contains("batch"));
}

TEST_CASE("ReduceMean averages over any set of non-batch axes", "[layers]") {
  const auto x = iota({2, 2, 3, 2});
  const auto& b = *naive_backend();
  // Over the last axis, dropped: pairs (0,1), (2,3), ... -> 0.5, 2.5, ...
  const auto last = forward_of(*make_reduce_mean({3}, false), {x}, b);
  CHECK(last.shape() == Shape{2, 2, 3});
  for (I i = 0; i < last.size(); ++i) CHECK(last[i] == Approx(2.0 * i + 0.5));
  // Over axes 1 and 3, kept: sample 0 row h averages {2h, 2h+1, 6+2h, 7+2h}.
  const auto kept = forward_of(*make_reduce_mean({3, 1}, true), {x}, b);
  CHECK(kept.shape() == Shape{2, 1, 3, 1});
  CHECK(kept[0] == Approx(3.5));
  CHECK(kept[2] == Approx(7.5));
  CHECK(kept[3] == Approx(15.5));
  CHECK(make_reduce_mean({1}, true)->kind() == LayerKind::linear);
  CHECK_THAT(make_reduce_mean({3, 1}, true)->describe(), Contains("[1,3]") && Contains("keepdims"));
}

TEST_CASE("ReduceMean is a linear layer whose hooks match its forward and backward", "[layers]") {
  const auto& b = *naive_backend();
  for (const auto& [axes, keepdims] : std::vector<std::pair<std::vector<I>, bool>>{
           {{3}, false}, {{1, 2}, true}, {{2}, true}, {{1, 2, 3}, false}}) {
    CAPTURE(to_string(Shape(axes)), keepdims);
    const auto layer = make_reduce_mean(axes, keepdims);
    const Tensor x = random_tensor({2, 3, 4, 2}, 21);
    check_linear_backward(*layer, x, 22);
    const auto* linear = layer->as_linear();
    REQUIRE(linear);
    const WeightTransform identity{};
    CHECK(max_abs_difference(linear->forward_with(x, identity, true, b),
                             forward_of(*layer, {x}, b)) == 0.0);
    // backward_with is the adjoint of forward_with, also for transformed weights.
    const WeightTransform square{WeightTransform::Kind::square};
    const Tensor y = linear->forward_with(x, square, false, b);
    const Tensor g = random_tensor(y.shape(), 23);
    CHECK(dot(linear->backward_with(g, x.shape(), square, b), x) ==
          Approx(dot(y, g)).epsilon(1e-6));
  }
}

TEST_CASE("ReduceMean refuses the batch axis, repeated axes and missing axes", "[layers]") {
  CHECK_THAT(message_of<InvalidArgument>([] {
               make_reduce_mean({0, 1}, true);
             }),
             Contains("batch"));
  CHECK_THAT(message_of<InvalidArgument>([] {
               make_reduce_mean({2, 2}, true);
             }),
             Contains("twice"));
  CHECK_THAT(message_of<InvalidArgument>([] { make_reduce_mean({}, true); }), Contains("no axes"));
  CHECK_THAT(message_of<ShapeError>([] {
               const Shape s{2, 3};
               make_reduce_mean({2}, true)->output_shape(std::span(&s, 1));
             }),
             Contains("[2,3]") && Contains("no axis 2"));
}
