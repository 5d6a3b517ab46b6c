#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "compare.hpp"
#include "cpu_blas_backend.hpp"
#include "naive_backend.hpp"

namespace {

using I = std::int64_t;
using lumen::Conv2dGeometry;
using namespace lumen::cpu_blas_test;

struct Padding {
  I top, left, bottom, right;
};
struct Grouping {
  I groups, in_channels, out_channels;
};

/// Fills out_h / out_w by the floor rule; false when the dilated kernel exceeds the padded input.
bool complete(Conv2dGeometry& g) {
  const I span_h = g.in_h + g.pad_top + g.pad_bottom - g.dilation_h * (g.kernel_h - 1) - 1;
  const I span_w = g.in_w + g.pad_left + g.pad_right - g.dilation_w * (g.kernel_w - 1) - 1;
  if (span_h < 0 || span_w < 0) return false;
  g.out_h = span_h / g.stride_h + 1;
  g.out_w = span_w / g.stride_w + 1;
  return true;
}

/// Every combination of kernel (1x1, 3x3, 5x3), stride 1-3, no / symmetric / asymmetric padding,
/// dilation 1-2, groups (1, 2, depthwise, depthwise with two outputs per channel) and batch 1, 8.
std::vector<Conv2dGeometry> battery() {
  std::vector<Conv2dGeometry> cases;
  for (const auto& [kh, kw] : {std::pair<I, I>{1, 1}, {3, 3}, {5, 3}}) {
    for (I stride : {1, 2, 3}) {
      for (const Padding& pad :
           {Padding{0, 0, 0, 0}, Padding{kh / 2, kw / 2, kh / 2, kw / 2}, Padding{2, 0, 1, 2}}) {
        for (I dilation : {1, 2}) {
          for (const Grouping& grouping :
               {Grouping{1, 3, 5}, Grouping{2, 4, 6}, Grouping{4, 4, 4}, Grouping{4, 4, 8}}) {
            for (I batch : {1, 8}) {
              Conv2dGeometry g;
              g.batch = batch;
              g.in_channels = grouping.in_channels;
              g.out_channels = grouping.out_channels;
              g.groups = grouping.groups;
              g.in_h = 9;
              g.in_w = 11;
              g.kernel_h = kh;
              g.kernel_w = kw;
              g.stride_h = g.stride_w = stride;
              g.pad_top = pad.top;
              g.pad_left = pad.left;
              g.pad_bottom = pad.bottom;
              g.pad_right = pad.right;
              g.dilation_h = g.dilation_w = dilation;
              if (complete(g)) cases.push_back(g);
            }
          }
        }
      }
    }
  }
  return cases;
}

Conv2dGeometry make(I batch, I in_channels, I out_channels, I groups, I in_h, I in_w, I kh, I kw,
                    I stride, Padding pad, I dilation) {
  Conv2dGeometry g;
  g.batch = batch;
  g.in_channels = in_channels;
  g.out_channels = out_channels;
  g.groups = groups;
  g.in_h = in_h;
  g.in_w = in_w;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.stride_h = g.stride_w = stride;
  g.pad_top = pad.top;
  g.pad_left = pad.left;
  g.pad_bottom = pad.bottom;
  g.pad_right = pad.right;
  g.dilation_h = g.dilation_w = dilation;
  complete(g);
  return g;
}

/// Larger layers whose work is cut into several tasks (output columns beyond 256, more than one
/// chunk of input channels), mixed strides and the 1x1 fast path.
std::vector<Conv2dGeometry> large_cases() {
  return {make(2, 16, 12, 1, 23, 29, 3, 3, 1, {1, 1, 1, 1}, 1),
          make(2, 16, 12, 1, 20, 20, 1, 1, 1, {0, 0, 0, 0}, 2),
          make(1, 32, 16, 2, 17, 19, 5, 3, 2, {2, 0, 1, 2}, 1),
          make(3, 24, 24, 24, 21, 18, 3, 3, 1, {1, 1, 1, 1}, 2),
          make(1, 70, 8, 1, 12, 13, 3, 3, 3, {1, 2, 0, 1}, 1),
          make(1, 8, 10, 1, 16, 17, 1, 1, 2, {0, 0, 0, 0}, 1),
          make(2, 6, 4, 2, 15, 16, 1, 1, 1, {1, 0, 2, 1}, 1)};
}

I input_size(const Conv2dGeometry& g) { return g.batch * g.in_channels * g.in_h * g.in_w; }
I output_size(const Conv2dGeometry& g) { return g.batch * g.out_channels * g.out_h * g.out_w; }
I weight_size(const Conv2dGeometry& g) {
  return g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
}

/// Runs all three kernels (with and without bias / bias gradient) on both backends.
void check_against_oracle(const Conv2dGeometry& g) {
  const auto backend = lumen::make_cpu_blas_backend();
  const auto oracle = lumen::testing::naive_backend();
  INFO(describe(g));
  const auto x = random_values(input_size(g), 11);
  const auto w = random_values(weight_size(g), 12);
  const auto bias = random_values(g.out_channels, 13);
  const auto dy = random_values(output_size(g), 14);

  for (const float* b : {static_cast<const float*>(nullptr), bias.data()}) {
    INFO("bias " << (b != nullptr));
    auto actual = nan_filled(output_size(g)), expected = nan_filled(output_size(g));
    backend->conv2d_forward(g, x.data(), w.data(), b, actual.data());
    oracle->conv2d_forward(g, x.data(), w.data(), b, expected.data());
    CHECK(relative_error(actual, expected) <= tolerance);
  }
  {
    auto actual = nan_filled(input_size(g)), expected = nan_filled(input_size(g));
    backend->conv2d_backward_data(g, dy.data(), w.data(), actual.data());
    oracle->conv2d_backward_data(g, dy.data(), w.data(), expected.data());
    CHECK(relative_error(actual, expected) <= tolerance);
  }
  for (bool with_db : {false, true}) {
    INFO("bias gradient " << with_db);
    auto actual = nan_filled(weight_size(g)), expected = nan_filled(weight_size(g));
    auto actual_db = nan_filled(g.out_channels), expected_db = nan_filled(g.out_channels);
    backend->conv2d_backward_weights(g, x.data(), dy.data(), actual.data(),
                                     with_db ? actual_db.data() : nullptr);
    oracle->conv2d_backward_weights(g, x.data(), dy.data(), expected.data(),
                                    with_db ? expected_db.data() : nullptr);
    CHECK(relative_error(actual, expected) <= tolerance);
    if (with_db) CHECK(relative_error(actual_db, expected_db) <= tolerance);
  }
}

}  // namespace

TEST_CASE("conv2d kernels agree with the naive oracle on the geometry battery", "[cpu-blas]") {
  const auto cases = battery();
  // 3 kernels x 3 strides x 3 paddings x 2 dilations x 4 groupings x 2 batches, all valid.
  REQUIRE(cases.size() == 432);
  for (const Conv2dGeometry& g : cases) check_against_oracle(g);
}

TEST_CASE("conv2d kernels agree with the naive oracle on layers split into many tasks",
          "[cpu-blas]") {
  for (const Conv2dGeometry& g : large_cases()) check_against_oracle(g);
}

TEST_CASE("conv2d forward gives a hand-computed result with padding and stride", "[cpu-blas]") {
  // x = 1..9 in a 3x3 plane, a 2x2 kernel of ones, stride 2, one row/column of padding on top and
  // left: each output sums the inside part of its window.
  const auto backend = lumen::make_cpu_blas_backend();
  const Conv2dGeometry g = make(1, 1, 1, 1, 3, 3, 2, 2, 2, {1, 1, 0, 0}, 1);
  REQUIRE(g.out_h == 2);
  REQUIRE(g.out_w == 2);
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, 1, 1, 1}, bias = {0.5F};
  std::vector<float> y(4);
  backend->conv2d_forward(g, x.data(), w.data(), bias.data(), y.data());
  CHECK(y == std::vector<float>{1.5F, 5.5F, 11.5F, 28.5F});
  // Its transpose scatters each output gradient over the inside part of the window.
  const std::vector<float> dy = {1, 10, 100, 1000};
  std::vector<float> dx(9);
  backend->conv2d_backward_data(g, dy.data(), w.data(), dx.data());
  CHECK(dx == std::vector<float>{1, 10, 10, 100, 1000, 1000, 100, 1000, 1000});
}
