#include <tbb/task_arena.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <vector>

#include "compare.hpp"
#include "cpu_blas_backend.hpp"

namespace {

using I = std::int64_t;
using lumen::Conv2dGeometry;
using lumen::Pool2dGeometry;
using namespace lumen::cpu_blas_test;

/// Runs `kernel` inside an arena of 1 and of 2 threads; each run starts from a fresh copy of
/// `initial` and must end with the same bits.
void check_same_bits(const std::vector<float>& initial,
                     const std::function<void(std::vector<float>&)>& kernel) {
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2}) {
    auto out = initial;
    tbb::task_arena arena(threads);
    arena.execute([&] { kernel(out); });
    results.push_back(std::move(out));
  }
  CHECK(bit_identical(results[0], results[1]));
}

Conv2dGeometry conv(I batch, I in_channels, I out_channels, I groups, I size, I kernel, I stride,
                    I pad) {
  Conv2dGeometry g;
  g.batch = batch;
  g.in_channels = in_channels;
  g.out_channels = out_channels;
  g.groups = groups;
  g.in_h = g.in_w = size;
  g.kernel_h = g.kernel_w = kernel;
  g.stride_h = g.stride_w = stride;
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = pad;
  g.out_h = g.out_w = (size + 2 * pad - kernel) / stride + 1;
  return g;
}

}  // namespace

TEST_CASE("gemm gives the same bits on 1 and 2 threads", "[cpu-blas][threaded]") {
  const auto backend = lumen::make_cpu_blas_backend();
  const I m = 700, n = 600, k = 300;
  const auto a = random_values(m * k, 41), b = random_values(k * n, 42);
  for (bool transpose : {false, true}) {
    INFO("transposed operands " << transpose);
    check_same_bits(random_values(m * n, 43), [&](std::vector<float>& c) {
      backend->gemm(transpose, transpose, m, n, k, 0.5F, a.data(), transpose ? m : k, b.data(),
                    transpose ? k : n, 0.25F, c.data(), n);
    });
  }
}

TEST_CASE("conv2d kernels give the same bits on 1 and 2 threads", "[cpu-blas][threaded]") {
  const auto backend = lumen::make_cpu_blas_backend();
  // Plain 3x3, grouped with stride 2, depthwise, and the 1x1 fast path; all split into tasks.
  for (const Conv2dGeometry& g :
       {conv(3, 24, 20, 1, 30, 3, 1, 1), conv(2, 16, 12, 2, 27, 3, 2, 1),
        conv(2, 12, 12, 12, 25, 3, 1, 1), conv(2, 32, 16, 1, 24, 1, 1, 0)}) {
    INFO(describe(g));
    const I x_size = g.batch * g.in_channels * g.in_h * g.in_w;
    const I y_size = g.batch * g.out_channels * g.out_h * g.out_w;
    const I w_size = g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
    const auto x = random_values(x_size, 51), w = random_values(w_size, 52);
    const auto bias = random_values(g.out_channels, 53), dy = random_values(y_size, 54);
    check_same_bits(nan_filled(y_size), [&](std::vector<float>& y) {
      backend->conv2d_forward(g, x.data(), w.data(), bias.data(), y.data());
    });
    check_same_bits(nan_filled(x_size), [&](std::vector<float>& dx) {
      backend->conv2d_backward_data(g, dy.data(), w.data(), dx.data());
    });
    // dw and db in one buffer.
    check_same_bits(nan_filled(w_size + g.out_channels), [&](std::vector<float>& grads) {
      backend->conv2d_backward_weights(g, x.data(), dy.data(), grads.data(), grads.data() + w_size);
    });
  }
}

TEST_CASE("pooling kernels give the same bits on 1 and 2 threads", "[cpu-blas][threaded]") {
  const auto backend = lumen::make_cpu_blas_backend();
  Pool2dGeometry g;
  g.batch = 4;
  g.channels = 8;
  g.in_h = g.in_w = 30;
  g.kernel_h = g.kernel_w = 3;
  g.stride_h = g.stride_w = 2;
  g.pad_top = g.pad_left = 1;
  g.out_h = g.out_w = 15;
  const I x_size = g.batch * g.channels * g.in_h * g.in_w;
  const I y_size = g.batch * g.channels * g.out_h * g.out_w;
  const auto x = random_values(x_size, 61), dy = random_values(y_size, 62);
  std::vector<std::int32_t> argmax(static_cast<std::size_t>(y_size));
  check_same_bits(nan_filled(y_size), [&](std::vector<float>& y) {
    backend->max_pool2d_forward(g, x.data(), y.data(), argmax.data());
  });
  check_same_bits(nan_filled(x_size), [&](std::vector<float>& dx) {
    backend->max_pool2d_backward(g, dy.data(), argmax.data(), dx.data());
  });
  for (bool count_include_pad : {false, true}) {
    g.count_include_pad = count_include_pad;
    check_same_bits(nan_filled(y_size), [&](std::vector<float>& y) {
      backend->avg_pool2d_forward(g, x.data(), y.data());
    });
    check_same_bits(nan_filled(x_size), [&](std::vector<float>& dx) {
      backend->avg_pool2d_backward(g, dy.data(), dx.data());
    });
  }
}
