// Transpose and multiplication by a constant: values against direct index arithmetic, backward
// against finite differences, the LinearLayer hooks of Mul, and the refusals.
#include <catch2/catch.hpp>
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
using lumen::testing::check_layer_gradient;
using lumen::testing::check_linear_backward;
using lumen::testing::dot;
using lumen::testing::forward_of;
using lumen::testing::iota;
using lumen::testing::max_abs_difference;
using lumen::testing::message_of;
using lumen::testing::naive_backend;
using lumen::testing::random_tensor;

namespace {

using I = std::int64_t;
using Kind = WeightTransform::Kind;

// x[n, a, b, c] read with explicit row-major index arithmetic.
float at4(const Tensor& x, I n, I a, I b, I c) {
  const auto& s = x.shape();
  return x[((n * s[1] + a) * s[2] + b) * s[3] + c];
}

std::vector<WeightTransform> all_transforms() {
  return {{Kind::identity, 0.0F}, {Kind::positive, 0.0F}, {Kind::negative, 0.0F},
          {Kind::gamma, 0.25F},   {Kind::square, 0.0F},   {Kind::flat, 0.0F}};
}

struct MulCase {
  Tensor constant;
  Shape input;
};

// Constants broadcasting along different axes: scalar, per channel, per column, full sample.
std::vector<MulCase> mul_cases() {
  return {
      {random_tensor({}, 61), {2, 3, 2, 2}},           {random_tensor({3, 1, 1}, 62), {2, 3, 4, 2}},
      {random_tensor({1, 3, 1, 1}, 63), {3, 3, 2, 3}}, {random_tensor({5}, 64), {2, 2, 3, 5}},
      {random_tensor({4, 5}, 65), {2, 4, 5}},          {random_tensor({2, 3, 2}, 66), {2, 2, 3, 2}},
  };
}

// x * t(c) from the broadcasting rule written out for rank-4 inputs and a rank-4 view of c.
Tensor mul_reference(const Tensor& x, const Tensor& c, const WeightTransform& t) {
  Shape c4 = c.shape();
  while (c4.size() < 4) c4.insert(c4.begin(), 1);
  const Tensor cv = c.reshaped(c4);
  const auto& s = x.shape();
  Tensor y(s);
  for (I n = 0; n < s[0]; ++n) {
    for (I a = 0; a < s[1]; ++a) {
      for (I b = 0; b < s[2]; ++b) {
        for (I d = 0; d < s[3]; ++d) {
          const float w = t(at4(cv, c4[0] == 1 ? 0 : n, c4[1] == 1 ? 0 : a, c4[2] == 1 ? 0 : b,
                                c4[3] == 1 ? 0 : d));
          y[((n * s[1] + a) * s[2] + b) * s[3] + d] = at4(x, n, a, b, d) * w;
        }
      }
    }
  }
  return y;
}

}  // namespace

TEST_CASE("transpose moves every value to its permuted index", "[layers]") {
  // NCHW -> NHWC and back, and a swap of the last two axes, on a tensor of distinct values.
  const Tensor x = iota({2, 3, 4, 5});
  const auto nhwc = forward_of(*make_transpose({0, 2, 3, 1}), {x}, *naive_backend());
  REQUIRE(nhwc.shape() == Shape{2, 4, 5, 3});
  const auto swapped = forward_of(*make_transpose({0, 1, 3, 2}), {x}, *naive_backend());
  REQUIRE(swapped.shape() == Shape{2, 3, 5, 4});
  for (I n = 0; n < 2; ++n) {
    for (I c = 0; c < 3; ++c) {
      for (I h = 0; h < 4; ++h) {
        for (I w = 0; w < 5; ++w) {
          CHECK(at4(nhwc, n, h, w, c) == at4(x, n, c, h, w));
          CHECK(at4(swapped, n, c, w, h) == at4(x, n, c, h, w));
        }
      }
    }
  }
  const auto back = forward_of(*make_transpose({0, 3, 1, 2}), {nhwc}, *naive_backend());
  CHECK(back.shape() == x.shape());
  CHECK(max_abs_difference(back, x) == 0.0);

  // Hand-computed: [[0,1,2],[3,4,5]] transposed.
  const auto small = forward_of(*make_transpose({0, 2, 1}), {iota({1, 2, 3})}, *naive_backend());
  CHECK(small.shape() == Shape{1, 3, 2});
  CHECK(std::vector<float>(small.values().begin(), small.values().end()) ==
        std::vector<float>{0, 3, 1, 4, 2, 5});
  // The identity permutation and rank 1 leave the values alone.
  CHECK(max_abs_difference(
            forward_of(*make_transpose({0, 1, 2}), {iota({2, 3, 4})}, *naive_backend()),
            iota({2, 3, 4})) == 0.0);
  CHECK(forward_of(*make_transpose({0}), {iota({3})}, *naive_backend()).shape() == Shape{3});
}

TEST_CASE("transpose backward matches finite differences and the inverse permutation", "[layers]") {
  const std::vector<std::pair<std::vector<I>, Shape>> cases{
      {{0, 2, 3, 1}, {2, 3, 4, 2}},
      {{0, 3, 1, 2}, {1, 2, 3, 4}},
      {{0, 2, 1}, {3, 4, 2}},
      {{0, 3, 2, 1}, {2, 2, 3, 4}},
      {{0, 1}, {2, 5}},
      {{0, 4, 1, 3, 2}, {1, 2, 3, 2, 2}},
  };
  for (const auto& [perm, shape] : cases) {
    const auto layer = make_transpose(perm);
    INFO(to_string(Shape(perm)) << " on " << to_string(shape));
    for (std::uint64_t seed : {1, 2}) {
      // Backward is the adjoint of forward: <T x, g> = <x, T^T g>.
      check_linear_backward(*layer, random_tensor(shape, seed), seed);
    }
  }
}

TEST_CASE("transpose refuses to move the batch axis and invalid permutations", "[layers]") {
  auto m = message_of<InvalidArgument>([] { make_transpose({1, 0, 2, 3}); });
  CHECK_THAT(m, Contains("Transpose") && Contains("[1,0,2,3]") && Contains("batch"));
  m = message_of<InvalidArgument>([] { make_transpose({3, 1, 2, 0}); });
  CHECK_THAT(m, Contains("must start with 0"));
  m = message_of<InvalidArgument>([] { make_transpose({0, 1, 1}); });
  CHECK_THAT(m, Contains("[0,1,1]") && Contains("not a permutation"));
  m = message_of<InvalidArgument>([] { make_transpose({0, 3, 1}); });
  CHECK_THAT(m, Contains("not a permutation"));
  m = message_of<InvalidArgument>([] { make_transpose({0, -1, 1}); });
  CHECK_THAT(m, Contains("not a permutation"));
  CHECK_THROWS_AS(make_transpose({}), InvalidArgument);

  const auto layer = make_transpose({0, 2, 3, 1});
  m = message_of<ShapeError>([&] {
    const std::vector<Shape> inputs{{1, 2, 3}};
    layer->output_shape(inputs);
  });
  CHECK_THAT(m, Contains("perm [0,2,3,1]") && Contains("rank 4") && Contains("[1,2,3]"));
  const Tensor x = iota({1, 2, 3, 4});
  const Tensor* refs[] = {&x};
  const Tensor y = layer->forward(refs, *naive_backend(), nullptr);
  m = message_of<ShapeError>([&] {
    layer->backward(refs, y, nullptr, Tensor({1, 2, 3, 4}), *naive_backend());
  });
  CHECK_THAT(m, Contains("output gradient [1,2,3,4]"));

  CHECK(layer->op_type() == "Transpose");
  CHECK(layer->kind() == LayerKind::structural);
  CHECK(layer->as_linear() == nullptr);
  CHECK(layer->parameter_count() == 0);
}

TEST_CASE("mul by a constant broadcasts like numpy", "[layers]") {
  // Hand-computed: per-channel scale of x = [[1,2],[3,4]] per channel.
  const auto per_channel = make_mul_constant(Tensor({2, 1, 1}, {10, -1}));
  const auto y = forward_of(*per_channel, {Tensor({1, 2, 1, 2}, {1, 2, 3, 4})}, *naive_backend());
  CHECK(std::vector<float>(y.values().begin(), y.values().end()) ==
        std::vector<float>{10, 20, -3, -4});
  const auto per_column = make_mul_constant(Tensor({2}, {2, 0.5F}));
  const auto z = forward_of(*per_column, {Tensor({2, 1, 2}, {1, 2, 3, 4})}, *naive_backend());
  CHECK(std::vector<float>(z.values().begin(), z.values().end()) == std::vector<float>{2, 1, 6, 2});

  for (const auto& c : mul_cases()) {
    INFO(to_string(c.constant.shape()) << " against " << to_string(c.input));
    const auto layer = make_mul_constant(c.constant);
    const auto x = random_tensor(c.input, 67);
    const auto out = forward_of(*layer, {x}, *naive_backend());
    CHECK(out.shape() == c.input);
    if (c.input.size() == 4) {
      CHECK(max_abs_difference(out, mul_reference(x, c.constant, {})) == 0.0);
    }
  }
}

TEST_CASE("mul by a constant: backward matches finite differences", "[layers]") {
  for (const auto& c : mul_cases()) {
    const auto layer = make_mul_constant(c.constant);
    for (std::uint64_t seed : {1, 2}) {
      lumen::testing::GradcheckOptions options;
      options.seed = seed + 200;
      const auto result = check_layer_gradient(*layer, {random_tensor(c.input, seed + 70)},
                                               *naive_backend(), options);
      INFO(to_string(c.constant.shape()) << ": " << result.report);
      CHECK(result.ok);
    }
  }
}

TEST_CASE("mul by a constant is a linear layer whose weight is the constant", "[layers]") {
  for (const auto& c : mul_cases()) {
    const auto layer = make_mul_constant(c.constant);
    const auto* linear = layer->as_linear();
    REQUIRE(linear != nullptr);
    CHECK(layer->kind() == LayerKind::linear);
    CHECK(layer->op_type() == "Mul");
    const Tensor x = random_tensor(c.input, 81);
    const Tensor y = forward_of(*layer, {x}, *naive_backend());
    // The identity transform is the plain forward and backward; there is no bias to drop.
    CHECK(max_abs_difference(linear->forward_with(x, {}, true, *naive_backend()), y) == 0.0);
    CHECK(max_abs_difference(linear->forward_with(x, {}, false, *naive_backend()), y) == 0.0);
    const Tensor g = random_tensor(y.shape(), 82);
    const Tensor* refs[] = {&x};
    CHECK(max_abs_difference(layer->backward(refs, y, nullptr, g, *naive_backend()).at(0),
                             linear->backward_with(g, x.shape(), {}, *naive_backend())) == 0.0);
    for (const auto& t : all_transforms()) {
      INFO(to_string(c.constant.shape()) << " transform " << static_cast<int>(t.kind));
      const Tensor yt = linear->forward_with(x, t, false, *naive_backend());
      if (c.input.size() == 4) {
        CHECK(max_abs_difference(yt, mul_reference(x, c.constant, t)) == 0.0);
      }
      // backward_with is the transpose of forward_with: <t(W) x, g> = <x, t(W)^T g>.
      const Tensor dx = linear->backward_with(g, x.shape(), t, *naive_backend());
      REQUIRE(dx.shape() == x.shape());
      CHECK(dot(dx, x) == Approx(dot(yt, g)).epsilon(1e-5).margin(1e-6));
    }
  }
  // flat: t(c) = 1 makes the layer the identity; square: x * c^2.
  const auto layer = make_mul_constant(Tensor({2, 1, 1}, {-3, 2}));
  const Tensor x({1, 2, 1, 1}, {1, 1});
  const auto& linear = *layer->as_linear();
  const auto flat = linear.forward_with(x, {Kind::flat, 0.0F}, true, *naive_backend());
  CHECK(std::vector<float>(flat.values().begin(), flat.values().end()) == std::vector<float>{1, 1});
  const auto square = linear.forward_with(x, {Kind::square, 0.0F}, true, *naive_backend());
  CHECK(std::vector<float>(square.values().begin(), square.values().end()) ==
        std::vector<float>{9, 4});
  const auto positive = linear.forward_with(x, {Kind::positive, 0.0F}, true, *naive_backend());
  CHECK(std::vector<float>(positive.values().begin(), positive.values().end()) ==
        std::vector<float>{0, 2});
}

TEST_CASE("mul by a constant refuses constants that do not broadcast to the input", "[layers]") {
  CHECK_THAT(message_of<InvalidArgument>([] { make_mul_constant(Tensor()); }),
             Contains("Mul") && Contains("no values"));
  const auto check_refused = [](const Shape& constant, const Shape& input) {
    const auto layer = make_mul_constant(Tensor(constant, 1.0F));
    const std::vector<Shape> inputs{input};
    const auto m = message_of<ShapeError>([&] { layer->output_shape(inputs); });
    CHECK_THAT(m, Contains("Mul") && Contains(to_string(constant)) && Contains(to_string(input)));
    const Tensor x(input);
    CHECK_THROWS_AS(forward_of(*layer, {x}, *naive_backend()), ShapeError);
    CHECK_THROWS_AS(layer->as_linear()->backward_with(x, input, {}, *naive_backend()), ShapeError);
  };
  check_refused({2, 1, 1, 1}, {2, 3, 2, 2});     // varies along the batch axis
  check_refused({3, 1, 1}, {1, 2, 2, 2});        // 3 channels against 2
  check_refused({1, 1, 3, 2, 2}, {1, 3, 2, 2});  // rank above the input's
  check_refused({4, 2}, {1, 2, 2});              // would broadcast the input up

  const auto layer = make_mul_constant(Tensor({2, 1, 1}, 2.0F));
  const auto m = message_of<ShapeError>([&] {
    layer->as_linear()->backward_with(Tensor({1, 2, 2, 1}), {1, 2, 1, 2}, {}, *naive_backend());
  });
  CHECK_THAT(m, Contains("output gradient [1,2,2,1]"));
  const std::vector<Shape> shape{{3, 2, 4, 4}};
  CHECK(layer->flops(shape, {3, 2, 4, 4}) == 96);
}
