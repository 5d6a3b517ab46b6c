// Refusals with messages naming the values at fault, and the layers' metadata.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "gradcheck.hpp"
#include "layer_test_helpers.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "naive_backend.hpp"

using namespace lumen;
using Catch::Matchers::Contains;
using lumen::testing::message_of;

namespace {

Shape output_of(const std::shared_ptr<const Layer>& layer, std::vector<Shape> inputs) {
  return layer->output_shape(inputs);
}

Conv2dParams conv(Shape weight_shape, std::int64_t groups = 1) {
  Conv2dParams p;
  p.weight = Tensor(std::move(weight_shape), 1.0F);
  p.groups = groups;
  return p;
}

}  // namespace

TEST_CASE("conv refuses wrong channel counts and oversized kernels", "[layers]") {
  const auto layer = make_conv2d(conv({8, 4, 3, 3}));
  auto m = message_of<ShapeError>([&] { output_of(layer, {{1, 5, 8, 8}}); });
  CHECK_THAT(m, Contains("[1,5,8,8]") && Contains("5 channels") && Contains("expects 4"));
  const Tensor x({2, 5, 8, 8});
  const Tensor* refs[] = {&x};
  CHECK_THROWS_AS(layer->forward(refs, *testing::naive_backend(), nullptr), ShapeError);

  m = message_of<ShapeError>([&] { output_of(layer, {{1, 4, 2, 8}}); });
  CHECK_THAT(m, Contains("3x3") && Contains("[1,4,2,8]"));
  auto dilated = conv({1, 1, 3, 3});
  dilated.dilation = {3, 3};
  m = message_of<ShapeError>([&] { output_of(make_conv2d(dilated), {{1, 1, 6, 6}}); });
  CHECK_THAT(m, Contains("7x7") && Contains("6x6"));
  dilated.pads = {1, 0, 0, 0};
  CHECK(output_of(make_conv2d(dilated), {{1, 1, 6, 7}}) == Shape{1, 1, 1, 1});

  m = message_of<InvalidArgument>([] { make_conv2d(conv({6, 2, 3, 3}, 4)); });
  CHECK_THAT(m, Contains("groups 4") && Contains("6 output channels"));
  auto bad_bias = conv({6, 2, 3, 3});
  bad_bias.bias = Tensor({5});
  CHECK_THAT(message_of<InvalidArgument>([&] { make_conv2d(bad_bias); }), Contains("[5]"));
  auto bad_stride = conv({6, 2, 3, 3});
  bad_stride.stride = {1, 0};
  CHECK_THAT(message_of<InvalidArgument>([&] { make_conv2d(bad_stride); }), Contains("stride 0"));
  CHECK_THROWS_AS(make_conv2d(conv({6, 2, 3})), InvalidArgument);
}

TEST_CASE("pooling refuses oversized windows and padding", "[layers]") {
  const Pool2dParams p{{3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, false, false};
  for (const auto& layer : {make_max_pool2d(p), make_avg_pool2d(p)}) {
    const auto m = message_of<ShapeError>([&] { output_of(layer, {{1, 2, 2, 5}}); });
    CHECK_THAT(m, Contains("[1,2,2,5]") && Contains("extent 3"));
    CHECK_THROWS_AS(output_of(layer, {{2, 5, 5}}), ShapeError);
  }
  Pool2dParams padded = p;
  padded.pads = {0, 3, 0, 0};
  CHECK_THAT(message_of<InvalidArgument>([&] { make_max_pool2d(padded); }), Contains("pad 3"));
  Pool2dParams no_kernel = p;
  no_kernel.kernel = {0, 2};
  CHECK_THAT(message_of<InvalidArgument>([&] { make_avg_pool2d(no_kernel); }),
             Contains("kernel size 0"));
}

TEST_CASE("linear refuses inputs whose last axis is not its width, or of rank 1", "[layers]") {
  const auto layer = make_linear(Tensor({3, 12}), std::nullopt);
  auto m = message_of<ShapeError>([&] { output_of(layer, {{2, 3, 2, 2}}); });
  CHECK_THAT(m, Contains("[2,3,2,2]") && Contains("[3,12]") && Contains("last axis"));
  m = message_of<ShapeError>([&] { output_of(layer, {{2, 10}}); });
  CHECK_THAT(m, Contains("[2,10]") && Contains("[N, ..., 12]"));
  m = message_of<ShapeError>([&] { output_of(layer, {{12}}); });
  CHECK_THAT(m, Contains("got [12]"));
  CHECK_THROWS_AS(make_linear(Tensor({3, 12}), Tensor({4})), InvalidArgument);
}

TEST_CASE("flatten supports axis 1 only", "[layers]") {
  for (std::int64_t axis : {0, 2, 3}) {
    const auto m = message_of<InvalidArgument>([&] { make_flatten(axis); });
    CHECK_THAT(m, Contains("axis " + std::to_string(axis)) && Contains("batch"));
  }
  const auto negative = make_flatten(-1);
  const auto m = message_of<InvalidArgument>([&] { output_of(negative, {{2, 3, 4, 4}}); });
  CHECK_THAT(m, Contains("axis -1") && Contains("[2,3,4,4]"));
  CHECK(output_of(negative, {{2, 12}}) == Shape{2, 12});
}

TEST_CASE("add and concat refuse shapes that do not fit", "[layers]") {
  auto m = message_of<ShapeError>([] { output_of(make_add(), {{1, 3, 4, 4}, {1, 3, 4, 5}}); });
  CHECK_THAT(m, Contains("[1,3,4,4]") && Contains("[1,3,4,5]"));
  CHECK_THROWS_AS(output_of(make_add(), {{1, 3}}), ShapeError);
  m = message_of<ShapeError>([] { output_of(make_add_constant(Tensor({3, 2})), {{1, 3, 4}}); });
  CHECK_THAT(m, Contains("[3,2]") && Contains("[1,3,4]"));
  CHECK_THROWS_AS(output_of(make_add_constant(Tensor({2, 3, 4})), {{2, 3, 4}}), ShapeError);
  CHECK_THROWS_AS(output_of(make_add_constant(Tensor({1, 1, 3, 4})), {{2, 3, 4}}), ShapeError);
  CHECK(output_of(make_add_constant(Tensor({1, 3, 4})), {{2, 3, 4}}) == Shape{2, 3, 4});

  CHECK_THAT(message_of<InvalidArgument>([] { make_concat(0); }), Contains("batch"));
  m = message_of<ShapeError>([] { output_of(make_concat(1), {{2, 3, 4}, {2, 3, 5}}); });
  CHECK_THAT(m, Contains("[2,3,4]") && Contains("[2,3,5]"));
  CHECK_THROWS_AS(output_of(make_concat(-3), {{2, 3, 4}}), ShapeError);
}

TEST_CASE("reshape, softmax, pad, batch norm and LRN refuse what they cannot do", "[layers]") {
  CHECK_THAT(message_of<InvalidArgument>([] { make_reshape({-1, 2, -1}); }), Contains("[-1,2,-1]"));
  CHECK_THROWS_AS(make_reshape({-2}), InvalidArgument);
  auto m = message_of<ShapeError>([] { output_of(make_reshape({5}), {{2, 3, 2}}); });
  CHECK_THAT(m, Contains("[2,3,2]") && Contains("6 values"));
  CHECK_THROWS_AS(output_of(make_reshape({0, 0, 0}), {{2, 3, 2}}), ShapeError);

  m = message_of<InvalidArgument>([] { output_of(make_softmax(2), {{2, 3, 4}}); });
  CHECK_THAT(m, Contains("axis 2") && Contains("[2,3,4]"));
  CHECK_THROWS_AS(make_softmax(0), InvalidArgument);

  CHECK_THROWS_AS(make_pad({1, 0, 0, 1}, PadMode::constant, 0), InvalidArgument);
  CHECK_THROWS_AS(make_pad({0, 0, 0}, PadMode::constant, 0), InvalidArgument);
  m = message_of<ShapeError>([] {
    output_of(make_pad({0, 3, 0, 0}, PadMode::reflect, 0), {{1, 3}});
  });
  CHECK_THAT(m, Contains("reflect") && Contains("size 3"));
  CHECK_THROWS_AS(output_of(make_pad({0, 0, 0, 0}, PadMode::edge, 0), {{1, 2, 3}}), ShapeError);
  CHECK_THROWS_AS(output_of(make_pad({0, -2, 0, -1}, PadMode::constant, 0), {{1, 3}}), ShapeError);

  CHECK_THROWS_AS(make_batch_norm(Tensor({3}), Tensor({3}), Tensor({2}), Tensor({3}), 1e-5F),
                  InvalidArgument);
  m = message_of<ShapeError>([] {
    output_of(make_batch_norm(Tensor({3}), Tensor({3}), Tensor({3}), Tensor({3}, 1.0F), 0.0F),
              {{1, 4, 2, 2}});
  });
  CHECK_THAT(m, Contains("[1,4,2,2]") && Contains("4 channels"));
  CHECK_THAT(message_of<InvalidArgument>([] { make_lrn(0, 1, 1, 1); }), Contains("size 0"));
  CHECK_THROWS_AS(make_lrn(3, 1, 1, 0), InvalidArgument);
}

TEST_CASE("layers report their op type, kind, size and cost", "[layers]") {
  Conv2dParams p;
  p.weight = Tensor({32, 16, 3, 3});
  p.bias = Tensor({32});
  p.stride = {2, 2};
  p.pads = {1, 1, 1, 1};
  const auto c = make_conv2d(p);
  CHECK(c->op_type() == "Conv");
  CHECK(c->kind() == LayerKind::linear);
  CHECK(c->describe() == "3x3/2 pad 1,1,1,1 dil 1 groups 1 16->32");
  CHECK(c->parameter_count() == 32 * 16 * 9 + 32);
  const std::vector<Shape> in{{2, 16, 8, 8}};
  const auto out = c->output_shape(in);
  CHECK(out == Shape{2, 32, 4, 4});
  CHECK(c->flops(in, out) == 2 * (2 * 32 * 4 * 4) * (16 * 9));
  p.groups = 2;
  p.weight = Tensor({32, 8, 3, 3});
  CHECK(make_conv2d(p)->describe() == "3x3/2 pad 1,1,1,1 dil 1 groups 2 16->32");

  const auto fc = make_linear(Tensor({10, 20}), Tensor({10}));
  CHECK(fc->parameter_count() == 210);
  CHECK(fc->flops(std::vector<Shape>{{3, 20}}, {3, 10}) == 2 * 3 * 200);

  const auto bn = make_batch_norm(Tensor({4}), Tensor({4}), Tensor({4}), Tensor({4}, 1.0F), 0);
  CHECK(bn->kind() == LayerKind::normalisation);
  CHECK(bn->parameter_count() == 8);

  const struct {
    std::shared_ptr<const Layer> layer;
    const char* op;
    LayerKind kind;
  } expected[] = {
      {make_relu(), "Relu", LayerKind::activation},
      {make_leaky_relu(0.1F), "LeakyRelu", LayerKind::activation},
      {make_sigmoid(), "Sigmoid", LayerKind::activation},
      {make_tanh(), "Tanh", LayerKind::activation},
      {make_clip(0, 6), "Clip", LayerKind::activation},
      {make_hard_sigmoid(0.2F, 0.5F), "HardSigmoid", LayerKind::activation},
      {make_hard_swish(), "HardSwish", LayerKind::activation},
      {make_max_pool2d({}), "MaxPool", LayerKind::pooling},
      {make_avg_pool2d({}), "AveragePool", LayerKind::linear},
      {make_global_average_pool(), "GlobalAveragePool", LayerKind::linear},
      {make_lrn(3, 1, 1, 1), "LRN", LayerKind::normalisation},
      {make_flatten(1), "Flatten", LayerKind::structural},
      {make_reshape({-1}), "Reshape", LayerKind::structural},
      {make_add(), "Add", LayerKind::structural},
      {make_add_constant(Tensor({1}, 1.0F)), "Add", LayerKind::structural},
      {make_concat(1), "Concat", LayerKind::structural},
      {make_identity("Dropout"), "Dropout", LayerKind::structural},
      {make_softmax(1), "Softmax", LayerKind::output},
      {make_pad({0, 0}, PadMode::edge, 0), "Pad", LayerKind::structural},
  };
  for (const auto& e : expected) {
    CHECK(e.layer->op_type() == e.op);
    CHECK(e.layer->kind() == e.kind);
    CHECK(e.layer->parameter_count() == 0);
  }
  CHECK(std::string(to_string(LayerKind::normalisation)) == "normalisation");
  CHECK(std::string(to_string(LayerKind::output)) == "output");
  CHECK(make_max_pool2d({{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, true, false})->describe() ==
        "3x3/2 pad 1,1,1,1 dil 1 ceil");
}

TEST_CASE("element-wise activations pass NaN through instead of clamping it", "[layers]") {
  const Tensor x({1, 4}, std::vector<float>{-1.0F, std::nanf(""), 2.0F, -0.5F});
  const Tensor* refs[] = {&x};
  for (const auto& layer :
       {make_relu(), make_leaky_relu(0.1F), make_sigmoid(), make_tanh(), make_clip(0, 6),
        make_clip(-0.5F, 0.5F), make_hard_sigmoid(0.2F, 0.5F), make_hard_swish()}) {
    INFO(layer->op_type() << " " << layer->describe());
    const Tensor y = layer->forward(refs, *testing::naive_backend(), nullptr);
    CHECK(std::isnan(y[1]));
    CHECK(std::isfinite(y[0]));
    CHECK(std::isfinite(y[2]));
  }
}

TEST_CASE("clip and hard sigmoid refuse bounds and slopes that are not numbers", "[layers]") {
  CHECK_THAT(message_of<InvalidArgument>([] { make_clip(6, 0); }),
             Contains("Clip") && Contains("min 6, max 0"));
  CHECK_THROWS_AS(make_clip(std::nanf(""), 1), InvalidArgument);
  CHECK_NOTHROW(make_clip(-INFINITY, INFINITY));
  CHECK(make_clip(0, 6)->describe() == "min 0 max 6");
  CHECK_THAT(message_of<InvalidArgument>([] { make_hard_sigmoid(INFINITY, 0.5F); }),
             Contains("HardSigmoid") && Contains("alpha inf"));
  CHECK_THROWS_AS(make_hard_sigmoid(0.2F, std::nanf("")), InvalidArgument);
  CHECK(make_hard_sigmoid(0.2F, 0.5F)->describe() == "alpha 0.2 beta 0.5");
}
