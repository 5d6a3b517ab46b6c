// Resize (ONNX Resize and Upsample): values against PyTorch's F.interpolate and hand-computed
// ONNX cases, backward against finite differences and as the adjoint, the weight transforms on
// the implicit interpolation weights, and the refusals.
#include <catch2/catch.hpp>
#include <vector>

#include "layer_test_helpers.hpp"
#include "lumen/error.hpp"
#include "lumen/resize.hpp"

using namespace lumen;
using lumen::testing::check_linear_backward;
using lumen::testing::check_transformed_weights;
using lumen::testing::forward_of;
using lumen::testing::iota;
using lumen::testing::naive_backend;
using lumen::testing::random_tensor;

namespace {

using I = std::int64_t;
using V = std::vector<float>;
using C = ResizeCoordinates;
using R = NearestRounding;

ResizeParams sized(ResizeMode mode, C coordinates, I h, I w, R rounding = R::floor) {
  ResizeParams p{mode, coordinates, rounding, {1.0, 1.0}, std::array<I, 2>{h, w}};
  return p;
}

ResizeParams scaled(ResizeMode mode, C coordinates, double h, double w, R rounding = R::floor) {
  return {mode, coordinates, rounding, {h, w}, std::nullopt};
}

void check_values(const ResizeParams& p, const Shape& input, const Shape& output, const V& want) {
  const auto y = forward_of(*make_resize("Resize", p), {iota(input)}, *naive_backend());
  REQUIRE(y.shape() == output);
  for (I i = 0; i < y.size(); ++i) CHECK(y[i] == Approx(want[static_cast<std::size_t>(i)]));
}

}  // namespace

TEST_CASE("resize matches PyTorch's F.interpolate on a 2x3 plane", "[layers]") {
  const Shape in{1, 1, 2, 3}, out{1, 1, 3, 5};
  using M = ResizeMode;
  // F.interpolate(size=(3, 5), mode="bilinear", align_corners=False / True).
  check_values(sized(M::linear, C::pytorch_half_pixel, 3, 5), in, out,
               {0, 0.4, 1, 1.6, 2, 1.5, 1.9, 2.5, 3.1, 3.5, 3, 3.4, 4, 4.6, 5});
  check_values(sized(M::linear, C::align_corners, 3, 5), in, out,
               {0, 0.5, 1, 1.5, 2, 1.5, 2, 2.5, 3, 3.5, 3, 3.5, 4, 4.5, 5});
  // scale_factor=1.7, bilinear and nearest (the scale, not output / input, maps coordinates).
  check_values(scaled(M::linear, C::pytorch_half_pixel, 1.7F, 1.7F), in, out,
               {0, 0.382353, 0.970588, 1.558824, 2, 1.147059, 1.529412, 2.117647, 2.705883,
                3.147059, 2.911765, 3.294118, 3.882353, 4.470589, 4.911765});
  check_values(scaled(M::nearest, C::asymmetric, 1.7F, 1.7F), in, out,
               {0, 0, 1, 1, 2, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5});
  // size=(3, 4), nearest.
  check_values(sized(M::nearest, C::asymmetric, 3, 4), in, {1, 1, 3, 4},
               {0, 0, 1, 2, 0, 0, 1, 2, 3, 3, 4, 5});
}

TEST_CASE("resize follows ONNX's coordinate transforms and nearest roundings", "[layers]") {
  const Shape in{1, 1, 1, 4}, half{1, 1, 1, 2};
  using M = ResizeMode;
  // Shrinking 4 -> 2: half_pixel reads 0.5 and 2.5, ties that the rounding modes split.
  check_values(scaled(M::nearest, C::half_pixel, 1, 0.5, R::round_prefer_floor), in, half, {0, 2});
  check_values(scaled(M::nearest, C::half_pixel, 1, 0.5, R::round_prefer_ceil), in, half, {1, 3});
  check_values(scaled(M::nearest, C::half_pixel, 1, 0.5, R::floor), in, half, {0, 2});
  check_values(scaled(M::nearest, C::half_pixel, 1, 0.5, R::ceil), in, half, {1, 3});
  check_values(scaled(M::nearest, C::tf_half_pixel_for_nn, 1, 0.5, R::round_prefer_floor), in, half,
               {1, 3});
  check_values(scaled(M::linear, C::half_pixel, 1, 0.5), in, half, {0.5, 2.5});
  check_values(scaled(M::linear, C::asymmetric, 1, 0.5), in, half, {0, 2});
  // Legacy (Upsample, Resize-10): ceil when shrinking, the integer part when enlarging.
  check_values(scaled(M::nearest, C::asymmetric, 1, 0.5, R::legacy), in, half, {0, 2});
  check_values(scaled(M::nearest, C::asymmetric, 1, 0.75, R::legacy), in, {1, 1, 1, 3}, {0, 2, 3});
  check_values(scaled(M::nearest, C::asymmetric, 1, 1.5, R::legacy), in, {1, 1, 1, 6},
               {0, 0, 1, 2, 2, 3});
  // Enlarging 4 -> 8 with half_pixel: the edges clamp.
  check_values(scaled(M::nearest, C::half_pixel, 1, 2, R::round_prefer_floor), in, {1, 1, 1, 8},
               {0, 0, 1, 1, 2, 2, 3, 3});
  check_values(scaled(M::linear, C::half_pixel, 1, 2), in, {1, 1, 1, 8},
               {0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3});
  // The output size is floor(in * scale) in float: 10 * 0.7F gives 7 (as PyTorch's 10 * 0.7).
  CHECK(make_resize("Resize", scaled(M::linear, C::half_pixel, 1, 0.7F))
            ->output_shape(std::vector<Shape>{{1, 1, 1, 10}}) == Shape{1, 1, 1, 7});
  // One output position: align_corners and pytorch_half_pixel read position 0.
  check_values(sized(M::linear, C::align_corners, 1, 1), in, {1, 1, 1, 1}, {0});
  check_values(sized(M::linear, C::pytorch_half_pixel, 1, 1), in, {1, 1, 1, 1}, {0});
  check_values(sized(M::linear, C::half_pixel, 1, 1), in, {1, 1, 1, 1}, {1.5});
}

TEST_CASE("resize backward matches finite differences and is the adjoint", "[layers]") {
  using M = ResizeMode;
  const std::vector<std::pair<ResizeParams, Shape>> cases{
      {scaled(M::nearest, C::asymmetric, 2, 2), {2, 3, 3, 2}},
      {scaled(M::nearest, C::half_pixel, 1.7, 0.6, R::round_prefer_ceil), {1, 2, 4, 5}},
      {scaled(M::linear, C::pytorch_half_pixel, 1.7, 2.5), {2, 2, 3, 4}},
      {sized(M::linear, C::align_corners, 7, 3), {1, 3, 4, 5}},
      {sized(M::linear, C::half_pixel, 2, 9), {2, 1, 5, 4}},
      {scaled(M::linear, C::asymmetric, 0.5, 3, R::floor), {1, 2, 6, 2}},
  };
  for (const auto& [p, shape] : cases) {
    const auto layer = make_resize("Resize", p);
    INFO(layer->describe() << " on " << to_string(shape));
    CHECK(layer->kind() == LayerKind::linear);
    check_linear_backward(*layer, random_tensor(shape, 3), 3);
    REQUIRE(layer->as_linear() != nullptr);
    check_transformed_weights(*layer->as_linear(), Shape{1, 1, shape[2], shape[3]}, 5);
  }
}

TEST_CASE("resize refuses what it cannot do, naming the value", "[layers]") {
  using M = ResizeMode;
  CHECK_THROWS_AS(make_resize("Resize", scaled(M::linear, C::half_pixel, 0, 2)), InvalidArgument);
  CHECK_THROWS_AS(make_resize("Resize", sized(M::linear, C::half_pixel, 0, 2)), InvalidArgument);
  CHECK_THROWS_AS(make_resize("", scaled(M::linear, C::half_pixel, 1, 2)), InvalidArgument);
  const auto layer = make_resize("Upsample", scaled(M::nearest, C::asymmetric, 0.2, 1));
  CHECK_THROWS_WITH(layer->output_shape(std::vector<Shape>{{1, 1, 4, 4}}),
                    Catch::Matchers::Contains("leaves no output position"));
  CHECK_THROWS_AS(layer->output_shape(std::vector<Shape>{{1, 4, 4}}), ShapeError);
}
