// Hand-computed outputs of the built-in layers on small inputs.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "gradcheck.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "lumen/math_layers.hpp"
#include "naive_backend.hpp"

using namespace lumen;
using lumen::testing::naive_backend;

namespace {

std::vector<float> run(const std::shared_ptr<const Layer>& layer, std::vector<Tensor> inputs) {
  const Tensor y = lumen::testing::forward_of(*layer, inputs, *naive_backend());
  return {y.values().begin(), y.values().end()};
}

Tensor iota(Shape shape) {
  Tensor t(std::move(shape));
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i + 1);
  return t;
}

auto approx(const std::vector<float>& expected) {
  return Catch::Matchers::Approx(expected).margin(1e-6);
}

}  // namespace

TEST_CASE("a 3x3 convolution on a hand-computed example", "[layers]") {
  Conv2dParams p;
  p.weight = Tensor({1, 1, 3, 3}, {1, 2, 0, 0, 0, 0, 0, 0, -1});
  p.bias = Tensor({1}, {1.0F});
  // x = 1..16 in a 4x4 plane: y = x[r][c] + 2 x[r][c+1] - x[r+2][c+2] + 1.
  CHECK_THAT(run(make_conv2d(p), {iota({1, 1, 4, 4})}), approx({-5, -3, 3, 5}));
  p.pads = {1, 1, 1, 1};
  p.stride = {3, 3};
  // Windows start at (-1,-1), (-1,2), (2,-1), (2,2).
  CHECK_THAT(run(make_conv2d(p), {iota({1, 1, 4, 4})}),
             approx({1 - 6, 1, 1 + 2 * 9, 1 + 11 + 2 * 12}));
  // Two samples, second = 2 * first: the bias is added once per output.
  Tensor two({2, 1, 4, 4});
  for (std::int64_t i = 0; i < 16; ++i) {
    two[i] = static_cast<float>(i + 1);
    two[16 + i] = 2.0F * two[i];
  }
  p.pads = {0, 0, 0, 0};
  p.stride = {1, 1};
  CHECK_THAT(run(make_conv2d(p), {two}), approx({-5, -3, 3, 5, -11, -7, 5, 9}));
}

TEST_CASE("average pooling counts padding as configured", "[layers]") {
  Pool2dParams p{{2, 2}, {2, 2}, {1, 1}, {1, 1, 1, 1}, false, false};
  const Tensor x = iota({1, 1, 3, 3});
  CHECK_THAT(run(make_avg_pool2d(p), {x}), approx({1, 2.5F, 5.5F, 7}));
  p.count_include_pad = true;
  CHECK_THAT(run(make_avg_pool2d(p), {x}), approx({0.25F, 1.25F, 2.75F, 7}));

  SECTION("ceil mode: the overhang past the padding never counts") {
    Pool2dParams ceil{{3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, true, true};
    CHECK_THAT(run(make_avg_pool2d(ceil), {iota({1, 1, 4, 4})}), approx({6, 7.5F, 12, 13.5F}));
    ceil.pads = {1, 1, 1, 1};
    const auto include = run(make_avg_pool2d(ceil), {iota({1, 1, 4, 4})});
    REQUIRE(include.size() == 9);
    CHECK(include[0] == Approx(14.0 / 9));  // 1+2+5+6 over the 3x3 window
    CHECK(include[8] == Approx(16.0 / 4));  // only x[3][3] and padding: rows/cols 3..4
    ceil.count_include_pad = false;
    const auto exclude = run(make_avg_pool2d(ceil), {iota({1, 1, 4, 4})});
    CHECK(exclude[0] == Approx(14.0 / 4));
    CHECK(exclude[8] == Approx(16.0));
  }
}

TEST_CASE("max pooling follows the ceil-mode rule", "[layers]") {
  // 5 wide, kernel 2, stride 2: floor gives 2 windows, ceil a third over the last column.
  Pool2dParams p{{1, 2}, {1, 2}, {1, 1}, {0, 0, 0, 0}, false, false};
  const Tensor x({1, 1, 1, 5}, {3, 1, 4, 1, 5});
  CHECK_THAT(run(make_max_pool2d(p), {x}), approx({3, 4}));
  p.ceil_mode = true;
  CHECK_THAT(run(make_max_pool2d(p), {x}), approx({3, 4, 5}));
  // 4 wide with right pad 1, kernel 2 stride 2: ceil would start a window in the right padding.
  const Tensor y({1, 1, 1, 4}, {3, 1, 4, 1});
  p.pads = {0, 1, 0, 1};
  CHECK_THAT(run(make_max_pool2d(p), {y}), approx({3, 4, 1}));
  const auto shape = make_max_pool2d(p)->output_shape(std::vector<Shape>{{1, 1, 1, 4}});
  CHECK(shape == Shape{1, 1, 1, 3});
}

TEST_CASE("batch norm applies scale, bias, mean and variance per channel", "[layers]") {
  // Channel 0: a = 2/sqrt(3+1) = 1, b = 1 - 0.5 = 0.5; channel 1: a = 0.5/1, b = -1 - 2*0.5 = -2.
  const auto bn = make_batch_norm(Tensor({2}, {2, 0.5F}), Tensor({2}, {1, -1}),
                                  Tensor({2}, {0.5F, 2}), Tensor({2}, {3, 0}), 1.0F);
  const Tensor x({1, 2, 2, 2}, {1, 2, 3, 4, 4, 6, 0, -2});
  CHECK_THAT(run(bn, {x}), approx({1.5F, 2.5F, 3.5F, 4.5F, 0, 1, -2, -3}));
  CHECK_THAT(run(bn, {Tensor({2, 2}, {1, 4, -1, 0})}), approx({1.5F, 0, -0.5F, -2}));
}

TEST_CASE("LRN on hand-computed examples", "[layers]") {
  const Tensor x({1, 3}, {1, 2, 3});
  // size 3: window c-1..c+1; alpha/size = 1, beta 1, bias 1.
  CHECK_THAT(run(make_lrn(3, 3.0F, 1.0F, 1.0F), {x}), approx({1.0F / 6, 2.0F / 15, 3.0F / 14}));
  // size 2: window c..c+1; alpha/size = 1, beta 0.5.
  CHECK_THAT(run(make_lrn(2, 2.0F, 0.5F, 1.0F), {x}),
             approx({1 / std::sqrt(6.0F), 2 / std::sqrt(14.0F), 3 / std::sqrt(10.0F)}));
  // NCHW: the sum runs over channels at the same position.
  const Tensor image({1, 2, 1, 2}, {1, 2, 3, 4});
  CHECK_THAT(run(make_lrn(3, 3.0F, 1.0F, 1.0F), {image}),
             approx({1.0F / 11, 2.0F / 21, 3.0F / 11, 4.0F / 21}));
}

TEST_CASE("softmax is normalised and stable", "[layers]") {
  const Tensor x({2, 3}, {0, std::log(2.0F), std::log(3.0F), 1000, 1001, 1000});
  const float e = std::exp(1.0F);
  CHECK_THAT(run(make_softmax(1), {x}),
             approx({1.0F / 6, 2.0F / 6, 3.0F / 6, 1 / (2 + e), e / (2 + e), 1 / (2 + e)}));
  CHECK(run(make_softmax(-1), {x}) == run(make_softmax(1), {x}));
}

TEST_CASE("pad modes on a hand-computed example", "[layers]") {
  const Tensor x({1, 1, 3}, {1, 2, 3});
  const std::vector<std::int64_t> pads{0, 0, 2, 0, 0, 1};
  CHECK_THAT(run(make_pad(pads, PadMode::constant, 9), {x}), approx({9, 9, 1, 2, 3, 9}));
  CHECK_THAT(run(make_pad(pads, PadMode::reflect, 9), {x}), approx({3, 2, 1, 2, 3, 2}));
  CHECK_THAT(run(make_pad(pads, PadMode::edge, 9), {x}), approx({1, 1, 1, 2, 3, 3}));
  CHECK_THAT(run(make_pad({0, 0, -1, 0, 0, 1}, PadMode::constant, 0), {x}), approx({2, 3, 0}));
  // Reflect routes the gradient of each copy back to its source.
  const auto pad = make_pad(pads, PadMode::reflect, 0);
  const Tensor* refs[] = {&x};
  const Tensor g({1, 1, 6}, {1, 10, 100, 1000, 10000, 100000});
  const auto dx = pad->backward(refs, {}, nullptr, g, *naive_backend()).at(0);
  CHECK_THAT(std::vector<float>(dx.values().begin(), dx.values().end()),
             approx({100, 10 + 1000 + 100000, 1 + 10000}));
}

TEST_CASE("structural layers move values as documented", "[layers]") {
  const Tensor x = iota({2, 3, 2});
  CHECK(lumen::testing::forward_of(*make_flatten(1), {x}, *naive_backend()).shape() == Shape{2, 6});
  CHECK(make_reshape({0, -1, 1})->output_shape(std::vector<Shape>{{2, 3, 2}}) == Shape{2, 3, 2, 1});
  CHECK(make_reshape({-1})->output_shape(std::vector<Shape>{{4, 3, 2, 2}}) == Shape{4, 12});
  CHECK_THAT(run(make_reshape({2, 3}), {x}), approx(run(make_identity("Identity"), {x})));
  CHECK_THAT(run(make_concat(1), {x, Tensor({2, 1, 2}, {-1, -2, -3, -4})}),
             approx({1, 2, 3, 4, 5, 6, -1, -2, 7, 8, 9, 10, 11, 12, -3, -4}));
  CHECK_THAT(run(make_concat(-1), {Tensor({2, 1}, {1, 2}), Tensor({2, 2}, {3, 4, 5, 6})}),
             approx({1, 3, 4, 2, 5, 6}));
  CHECK_THAT(run(make_add(), {x, x, x}), approx({3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36}));
  CHECK_THAT(run(make_add_constant(Tensor({3, 1}, {10, 20, 30})), {x}),
             approx({11, 12, 23, 24, 35, 36, 17, 18, 29, 30, 41, 42}));
  CHECK_THAT(run(make_add_constant(Tensor({1, 1, 2}, {0.5F, -1})), {x}),
             approx({1.5F, 1, 3.5F, 3, 5.5F, 5, 7.5F, 7, 9.5F, 9, 11.5F, 11}));
}

TEST_CASE("activations on hand-computed values", "[layers]") {
  const Tensor x({1, 4}, {-2, 0, 0.5F, 3});
  CHECK_THAT(run(make_relu(), {x}), approx({0, 0, 0.5F, 3}));
  CHECK_THAT(run(make_leaky_relu(0.1F), {x}), approx({-0.2F, 0, 0.5F, 3}));
  CHECK_THAT(run(make_sigmoid(), {x}),
             approx({1 / (1 + std::exp(2.0F)), 0.5F, 1 / (1 + std::exp(-0.5F)),
                     1 / (1 + std::exp(-3.0F))}));
  CHECK_THAT(run(make_tanh(), {x}),
             approx({std::tanh(-2.0F), 0, std::tanh(0.5F), std::tanh(3.0F)}));
  const Tensor wide({1, 6}, {-4, -3, -1, 0, 1.5F, 7});
  CHECK_THAT(run(make_clip(0, 6), {wide}), approx({0, 0, 0, 0, 1.5F, 6}));
  CHECK_THAT(run(make_clip(-2, 1), {wide}), approx({-2, -2, -1, 0, 1, 1}));
  // 0.2 x + 0.5 clamped to [0, 1]: -0.3, -0.1, 0.3, 0.5, 0.8, 1.9.
  CHECK_THAT(run(make_hard_sigmoid(0.2F, 0.5F), {wide}), approx({0, 0, 0.3F, 0.5F, 0.8F, 1}));
  // x (x + 3) / 6 on [-3, 3]: -1 -> -1/3, 1.5 -> 1.125.
  CHECK_THAT(run(make_hard_swish(), {wide}), approx({0, 0, -1.0F / 3, 0, 1.125F, 7}));
  // ReLU's gradient at exactly 0 is 0.
  const Tensor* refs[] = {&x};
  const auto relu = make_relu();
  const Tensor y = lumen::testing::forward_of(*relu, {x}, *naive_backend());
  const auto dx = relu->backward(refs, y, nullptr, Tensor({1, 4}, 1.0F), *naive_backend()).at(0);
  CHECK_THAT(std::vector<float>(dx.values().begin(), dx.values().end()), approx({0, 0, 1, 1}));
}

TEST_CASE("GELU, Erf and Pow match PyTorch's values", "[layers]") {
  const Tensor x({1, 5}, {-2, -0.5F, 0, 1, 3});
  // torch.nn.functional.gelu(x) and gelu(x, approximate='tanh'), torch 1.13.
  CHECK_THAT(run(make_gelu(GeluApproximation::none), {x}),
             approx({-0.0455001F, -0.1542688F, 0, 0.8413447F, 2.9959502F}));
  CHECK_THAT(run(make_gelu(GeluApproximation::tanh), {x}),
             approx({-0.0454023F, -0.1542860F, 0, 0.8411920F, 2.9963627F}));
  CHECK_THAT(run(make_erf(), {x}), approx({-0.9953223F, -0.5204999F, 0, 0.8427008F, 0.9999779F}));
  // A negative base: an integer exponent is exact, a fractional one gives NaN (ONNX, torch.pow).
  CHECK_THAT(run(make_pow(3.0F), {Tensor({1, 3}, {-2, -8, 4})}), approx({-8, -512, 64}));
  const auto root = run(make_pow(0.5F), {Tensor({1, 2}, {-2, 4})});
  CHECK(std::isnan(root[0]));
  CHECK(root[1] == 2.0F);
  CHECK_THROWS_AS(make_pow(std::nanf("")), InvalidArgument);
}

TEST_CASE("a linear layer over [N, ..., K] applies to every row of the last axis", "[layers]") {
  const Tensor w({2, 3}, {1, 0, -1, 2, 1, 0});
  const auto layer = make_linear(w, Tensor({2}, {0.5F, -1}));
  const Tensor x = iota({2, 2, 1, 3});  // rows (1,2,3), (4,5,6), (7,8,9), (10,11,12)
  // Row r gives (r0 - r2 + 0.5, 2 r0 + r1 - 1).
  CHECK_THAT(run(layer, {x}), approx({-1.5F, 3, -1.5F, 12, -1.5F, 21, -1.5F, 30}));
  const Shape in{2, 2, 1, 3};
  CHECK(layer->output_shape(std::span<const Shape>(&in, 1)) == Shape{2, 2, 1, 2});
  CHECK(layer->flops(std::span<const Shape>(&in, 1), {}) == 2 * 4 * 6);
}
