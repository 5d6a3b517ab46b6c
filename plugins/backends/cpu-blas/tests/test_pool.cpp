#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "compare.hpp"
#include "cpu_blas_backend.hpp"
#include "naive_backend.hpp"

namespace {

using I = std::int64_t;
using lumen::Pool2dGeometry;
using namespace lumen::cpu_blas_test;

/// Every combination of kernel (2x2, 3x3, 3x2), stride 1-3, padding (none, 1 both, 1 top only),
/// dilation 1-2 and batch 1, 3 over a 7x8 input; out_h/out_w by the floor rule with the padding
/// on both sides, plus, when `extra`, one more output row and column whose windows run past the
/// bottom and right edges (partly or wholly outside the input).
std::vector<Pool2dGeometry> battery() {
  std::vector<Pool2dGeometry> cases;
  for (const auto& [kh, kw] : {std::pair<I, I>{2, 2}, {3, 3}, {3, 2}}) {
    for (I stride : {1, 2, 3}) {
      for (const auto& [pad_top, pad_left] : {std::pair<I, I>{0, 0}, {1, 1}, {1, 0}}) {
        for (I dilation : {1, 2}) {
          for (I batch : {1, 3}) {
            for (bool extra : {false, true}) {
              Pool2dGeometry g;
              g.batch = batch;
              g.channels = 2;
              g.in_h = 7;
              g.in_w = 8;
              g.kernel_h = kh;
              g.kernel_w = kw;
              g.stride_h = g.stride_w = stride;
              g.pad_top = pad_top;
              g.pad_left = pad_left;
              g.dilation_h = g.dilation_w = dilation;
              g.out_h = (g.in_h + 2 * pad_top - dilation * (kh - 1) - 1) / stride + 1 + extra;
              g.out_w = (g.in_w + 2 * pad_left - dilation * (kw - 1) - 1) / stride + 1 + extra;
              cases.push_back(g);
            }
          }
        }
      }
    }
  }
  return cases;
}

I input_size(const Pool2dGeometry& g) { return g.batch * g.channels * g.in_h * g.in_w; }
I output_size(const Pool2dGeometry& g) { return g.batch * g.channels * g.out_h * g.out_w; }

std::vector<float> shifted(std::vector<float> values, float shift) {
  for (float& v : values) v += shift;
  return values;
}

}  // namespace

TEST_CASE("max pooling agrees with the naive oracle, ties and argmax included", "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  const auto oracle = lumen::testing::naive_backend();
  const auto cases = battery();
  REQUIRE(cases.size() == 216);
  for (const Pool2dGeometry& g : cases) {
    INFO(describe(g));
    // Values in {0..3} tie often; shifted to {-5..-2} they are all below the padding's 0, which
    // must still never win.
    for (float shift : {0.0F, -5.0F}) {
      INFO("input shift " << shift);
      const auto x = shifted(small_integers(input_size(g), 21), shift);
      auto y = nan_filled(output_size(g)), expected_y = nan_filled(output_size(g));
      std::vector<std::int32_t> argmax(static_cast<std::size_t>(output_size(g)), -7);
      std::vector<std::int32_t> expected_argmax(argmax.size(), -7);
      backend->max_pool2d_forward(g, x.data(), y.data(), argmax.data());
      oracle->max_pool2d_forward(g, x.data(), expected_y.data(), expected_argmax.data());
      CHECK(bit_identical(y, expected_y));
      CHECK(argmax == expected_argmax);
      // Without argmax the values are the same.
      auto y_alone = nan_filled(output_size(g));
      backend->max_pool2d_forward(g, x.data(), y_alone.data(), nullptr);
      CHECK(bit_identical(y_alone, expected_y));

      const auto dy = random_values(output_size(g), 22);
      auto dx = nan_filled(input_size(g)), expected_dx = nan_filled(input_size(g));
      backend->max_pool2d_backward(g, dy.data(), argmax.data(), dx.data());
      oracle->max_pool2d_backward(g, dy.data(), expected_argmax.data(), expected_dx.data());
      CHECK(relative_error(dx, expected_dx) <= tolerance);
    }
  }
}

TEST_CASE("average pooling agrees with the naive oracle with and without counting padding",
          "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  const auto oracle = lumen::testing::naive_backend();
  for (Pool2dGeometry g : battery()) {
    for (bool count_include_pad : {false, true}) {
      g.count_include_pad = count_include_pad;
      INFO(describe(g));
      const auto x = random_values(input_size(g), 31);
      auto y = nan_filled(output_size(g)), expected_y = nan_filled(output_size(g));
      backend->avg_pool2d_forward(g, x.data(), y.data());
      oracle->avg_pool2d_forward(g, x.data(), expected_y.data());
      CHECK(relative_error(y, expected_y) <= tolerance);

      const auto dy = random_values(output_size(g), 32);
      auto dx = nan_filled(input_size(g)), expected_dx = nan_filled(input_size(g));
      backend->avg_pool2d_backward(g, dy.data(), dx.data());
      oracle->avg_pool2d_backward(g, dy.data(), expected_dx.data());
      CHECK(relative_error(dx, expected_dx) <= tolerance);
    }
  }
}

TEST_CASE("max pooling breaks ties by scan order and never picks padding", "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  Pool2dGeometry g;
  g.in_h = g.in_w = 2;
  g.kernel_h = g.kernel_w = 2;
  g.pad_top = g.pad_left = 1;
  g.out_h = g.out_w = 3;
  // All inputs equal and below the padding's 0: every window picks its first inside position.
  const std::vector<float> x = {-1, -1, -1, -1};
  std::vector<float> y(9);
  std::vector<std::int32_t> argmax(9);
  backend->max_pool2d_forward(g, x.data(), y.data(), argmax.data());
  CHECK(y == std::vector<float>(9, -1.0F));
  CHECK(argmax == std::vector<std::int32_t>{0, 0, 1, 0, 0, 1, 2, 2, 3});
  // The gradient goes to the recorded winners, summed.
  const std::vector<float> dy = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<float> dx(4);
  backend->max_pool2d_backward(g, dy.data(), argmax.data(), dx.data());
  CHECK(dx == std::vector<float>{1 + 2 + 4 + 5, 3 + 6, 7 + 8, 9});
}

TEST_CASE("average pooling divides by the inside count or by the whole kernel", "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  Pool2dGeometry g;
  g.in_h = g.in_w = 2;
  g.kernel_h = g.kernel_w = 2;
  g.stride_h = g.stride_w = 2;
  g.pad_top = g.pad_left = 1;
  g.out_h = g.out_w = 2;
  const std::vector<float> x = {1, 2, 3, 4};
  std::vector<float> y(4);
  // Each window holds exactly one input.
  backend->avg_pool2d_forward(g, x.data(), y.data());
  CHECK(y == std::vector<float>{1, 2, 3, 4});
  g.count_include_pad = true;
  backend->avg_pool2d_forward(g, x.data(), y.data());
  CHECK(y == std::vector<float>{0.25F, 0.5F, 0.75F, 1.0F});
  std::vector<float> dx(4);
  backend->avg_pool2d_backward(g, x.data(), dx.data());
  CHECK(dx == std::vector<float>{0.25F, 0.5F, 0.75F, 1.0F});
}
