// Shape arithmetic on sizes that may come from a file: a result beyond 64 bits is refused by
// name, never wrapped around into a size that later checks pass (found by tests/fuzz).
#include <catch2/catch.hpp>
#include <cstdint>

#include "lumen/backend.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"

using namespace lumen;
using Catch::Matchers::Contains;

namespace {

constexpr std::int64_t huge = std::int64_t{1} << 62;

Shape output_of(const std::shared_ptr<const Layer>& layer, std::vector<Shape> inputs) {
  return layer->output_shape(inputs);
}

}  // namespace

TEST_CASE("padding beyond 2^63 - 1 is refused", "[layers]") {
  const auto pad = make_pad({0, 0, huge, 0, 0, 0, huge, 0}, PadMode::constant, 0.0F);
  CHECK_THROWS_WITH(output_of(pad, {{1, 1, 4, 4}}), Contains("exceeds 2^63 - 1"));
}

TEST_CASE("convolution windows and padded inputs beyond 2^63 - 1 are refused", "[layers]") {
  Conv2dParams dilated;
  dilated.weight = Tensor({1, 1, 3, 3}, 1.0F);
  dilated.dilation = {huge, 1};
  CHECK_THROWS_WITH(output_of(make_conv2d(dilated), {{1, 1, 8, 8}}),
                    Contains("dilated kernel") && Contains("exceeds 2^63 - 1"));
  Conv2dParams padded;
  padded.weight = Tensor({1, 1, 3, 3}, 1.0F);
  padded.pads = {huge, 0, huge, 0};
  CHECK_THROWS_WITH(output_of(make_conv2d(padded), {{1, 1, 8, 8}}),
                    Contains("padded input") && Contains("exceeds 2^63 - 1"));

  Conv2dGeometry g;
  g.batch = g.in_channels = g.out_channels = g.groups = 1;
  g.in_h = g.in_w = 8;
  g.kernel_h = g.kernel_w = 3;
  g.out_h = g.out_w = 6;
  g.dilation_h = huge;
  CHECK_THROWS_AS(check_conv_geometry("test", g), ShapeError);
  g.dilation_h = 1;
  g.pad_top = g.pad_bottom = huge;
  CHECK_THROWS_AS(check_conv_geometry("test", g), ShapeError);
}

TEST_CASE("pooling windows and planes beyond what can be indexed are refused", "[layers]") {
  Pool2dParams p;
  p.kernel = {2, 2};
  CHECK_THROWS_WITH(output_of(make_avg_pool2d(p), {{1, 1, huge, huge}}),
                    Contains("too large to index with 32 bits"));
  CHECK_THROWS_WITH(output_of(make_max_pool2d(p), {{1, 1, huge, 8}}),
                    Contains("too large to index with 32 bits"));
  p.kernel = {3, 3};
  p.dilation = {huge, 1};
  CHECK_THROWS_WITH(make_max_pool2d(p), Contains("exceeds 2^63 - 1"));
}

TEST_CASE("concatenations and reshapes beyond 2^63 - 1 elements are refused", "[layers]") {
  CHECK_THROWS_WITH(output_of(make_concat(1), {{1, huge}, {1, huge}}),
                    Contains("exceeds 2^63 - 1"));
  CHECK_THROWS_WITH(output_of(make_reshape({huge, 4, -1}), {{1, 4}}), Contains("exceeds 2^63 - 1"));
}
