#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <vector>

#include "gradcheck.hpp"
#include "naive_backend.hpp"

using lumen::Conv2dGeometry;
using lumen::Pool2dGeometry;
using lumen::Tensor;
using lumen::testing::dot;
using lumen::testing::naive_backend;
using lumen::testing::random_tensor;

namespace {

Tensor conv(const Conv2dGeometry& g, const Tensor& x, const Tensor& w,
            const float* bias = nullptr) {
  Tensor y({g.batch, g.out_channels, g.out_h, g.out_w});
  naive_backend()->conv2d_forward(g, x.data(), w.data(), bias, y.data());
  return y;
}

Conv2dGeometry single_channel(std::int64_t in, std::int64_t k, std::int64_t out) {
  Conv2dGeometry g;
  g.in_h = g.in_w = in;
  g.kernel_h = g.kernel_w = k;
  g.out_h = g.out_w = out;
  return g;
}

const Tensor pool_input({1, 1, 4, 4}, {1, 5, 2, 0, 3, 4, 8, 7, 9, 6, 1, 2, 0, 3, 5, 11});

Pool2dGeometry pool_2x2_stride_2(std::int64_t pad, std::int64_t out) {
  Pool2dGeometry g;
  g.in_h = g.in_w = 4;
  g.kernel_h = g.kernel_w = 2;
  g.stride_h = g.stride_w = 2;
  g.pad_top = g.pad_left = pad;
  g.out_h = g.out_w = out;
  return g;
}

}  // namespace

TEST_CASE("naive backend names itself", "[naive]") {
  CHECK(naive_backend()->info().name == "cpu-naive");
}

TEST_CASE("naive conv2d forward on hand-computed examples", "[naive]") {
  const Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w({1, 1, 2, 2}, {1, 0, 0, -1});
  SECTION("valid, with bias") {
    const float bias = 0.5F;
    const Tensor y = conv(single_channel(3, 2, 2), x, w, &bias);
    CHECK(y.values()[0] == -3.5F);
    CHECK(y.values()[1] == -3.5F);
    CHECK(y.values()[2] == -3.5F);
    CHECK(y.values()[3] == -3.5F);
  }
  SECTION("padding 1, stride 2") {
    auto g = single_channel(3, 2, 2);
    g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = 1;
    g.stride_h = g.stride_w = 2;
    const Tensor y = conv(g, x, w);
    CHECK(std::vector<float>(y.values().begin(), y.values().end()) ==
          std::vector<float>{-1, -3, -7, -4});
  }
  SECTION("dilation 2") {
    auto g = single_channel(3, 2, 1);
    g.dilation_h = g.dilation_w = 2;
    const Tensor y = conv(g, x, Tensor({1, 1, 2, 2}, {1, 2, 3, 4}));
    CHECK(y[0] == 64.0F);  // 1*1 + 2*3 + 3*7 + 4*9
  }
  SECTION("groups keep channels apart") {
    Conv2dGeometry g = single_channel(1, 1, 1);
    g.in_channels = g.out_channels = g.groups = 2;
    const Tensor y = conv(g, Tensor({1, 2, 1, 1}, {3, 5}), Tensor({2, 1, 1, 1}, {2, 10}));
    CHECK(y[0] == 6.0F);
    CHECK(y[1] == 50.0F);
  }
  SECTION("batch and channels are indexed NCHW") {
    Conv2dGeometry g = single_channel(1, 1, 1);
    g.batch = 2;
    g.in_channels = 2;
    g.out_channels = 3;
    const Tensor y =
        conv(g, Tensor({2, 2, 1, 1}, {1, 2, 3, 4}), Tensor({3, 2, 1, 1}, {1, 0, 0, 1, 1, 1}));
    CHECK(std::vector<float>(y.values().begin(), y.values().end()) ==
          std::vector<float>{1, 2, 3, 3, 4, 7});
  }
}

TEST_CASE("naive conv2d backward on a hand-computed example", "[naive]") {
  const Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w({1, 1, 2, 2}, {1, 0, 0, -1});
  const Tensor dy({1, 1, 2, 2}, 1.0F);
  const auto g = single_channel(3, 2, 2);
  Tensor dx({1, 1, 3, 3}, 99.0F);
  naive_backend()->conv2d_backward_data(g, dy.data(), w.data(), dx.data());
  CHECK(std::vector<float>(dx.values().begin(), dx.values().end()) ==
        std::vector<float>{1, 1, 0, 1, 0, -1, 0, -1, -1});
  Tensor dw({1, 1, 2, 2}, 99.0F);
  float db = 99.0F;
  naive_backend()->conv2d_backward_weights(g, x.data(), dy.data(), dw.data(), &db);
  CHECK(std::vector<float>(dw.values().begin(), dw.values().end()) ==
        std::vector<float>{12, 16, 24, 28});
  CHECK(db == 4.0F);
}

TEST_CASE("naive conv2d backward kernels are adjoint to the forward", "[naive]") {
  Conv2dGeometry g;
  g.batch = 2;
  g.in_channels = 4;
  g.out_channels = 6;
  g.groups = 2;
  g.in_h = 7;
  g.in_w = 6;
  g.kernel_h = 3;
  g.kernel_w = 2;
  g.stride_h = 2;
  g.stride_w = 1;
  g.pad_top = 1;
  g.pad_left = 0;
  g.pad_bottom = 2;
  g.pad_right = 1;
  g.dilation_h = 1;
  g.dilation_w = 2;
  g.out_h = (7 + 3 - 3) / 2 + 1;
  g.out_w = (6 + 1 - 2 - 1) / 1 + 1;
  const Tensor x = random_tensor({2, 4, 7, 6}, 1);
  const Tensor w = random_tensor({6, 2, 3, 2}, 2);
  const Tensor dy = random_tensor({2, 6, g.out_h, g.out_w}, 3);
  const double forward = dot(conv(g, x, w), dy);
  Tensor dx(x.shape());
  naive_backend()->conv2d_backward_data(g, dy.data(), w.data(), dx.data());
  CHECK(dot(dx, x) == Approx(forward).epsilon(1e-5));
  Tensor dw(w.shape());
  Tensor db({6});
  naive_backend()->conv2d_backward_weights(g, x.data(), dy.data(), dw.data(), db.data());
  CHECK(dot(dw, w) == Approx(forward).epsilon(1e-5));
  const Tensor bias = random_tensor({6}, 4);
  const double with_bias = dot(conv(g, x, w, bias.data()), dy);
  CHECK(dot(db, bias) == Approx(with_bias - forward).epsilon(1e-5));
}

TEST_CASE("naive gemm matches a direct triple loop for every transpose", "[naive]") {
  const std::int64_t m = 3, n = 4, k = 5, pad = 2;
  const float alpha = 1.5F, beta = -0.5F;
  const Tensor a_mk = random_tensor({m, k}, 11), b_kn = random_tensor({k, n}, 12);
  const Tensor c0 = random_tensor({m, n + pad}, 13);
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      // Store A and B (transposed when asked) with row strides larger than needed.
      const std::int64_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad;
      Tensor a({ta ? k : m, lda}, 7.0F), b({tb ? n : k, ldb}, 7.0F);
      for (std::int64_t i = 0; i < m; ++i) {
        for (std::int64_t p = 0; p < k; ++p) a[ta ? p * lda + i : i * lda + p] = a_mk[i * k + p];
      }
      for (std::int64_t p = 0; p < k; ++p) {
        for (std::int64_t j = 0; j < n; ++j) b[tb ? j * ldb + p : p * ldb + j] = b_kn[p * n + j];
      }
      Tensor c = c0;
      naive_backend()->gemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(),
                            n + pad);
      for (std::int64_t i = 0; i < m; ++i) {
        for (std::int64_t j = 0; j < n + pad; ++j) {
          double expected = c0[i * (n + pad) + j];
          if (j < n) {
            double sum = 0.0;
            for (std::int64_t p = 0; p < k; ++p) sum += double(a_mk[i * k + p]) * b_kn[p * n + j];
            expected = alpha * sum + beta * expected;
          }
          INFO("transpose_a " << ta << " transpose_b " << tb << " at " << i << "," << j);
          CHECK(c[i * (n + pad) + j] == Approx(expected).margin(1e-6));
        }
      }
    }
  }
}

TEST_CASE("naive gemm on a hand-computed example ignores C when beta is 0", "[naive]") {
  const Tensor a({2, 2}, {1, 2, 3, 4}), b({2, 2}, {5, 6, 7, 8});
  Tensor c({2, 2}, std::numeric_limits<float>::quiet_NaN());
  naive_backend()->gemm(false, false, 2, 2, 2, 1.0F, a.data(), 2, b.data(), 2, 0.0F, c.data(), 2);
  CHECK(std::vector<float>(c.values().begin(), c.values().end()) ==
        std::vector<float>{19, 22, 43, 50});
  naive_backend()->gemm(true, true, 2, 2, 2, 1.0F, a.data(), 2, b.data(), 2, 0.0F, c.data(), 2);
  CHECK(std::vector<float>(c.values().begin(), c.values().end()) ==
        std::vector<float>{23, 31, 34, 46});  // A^T B^T
}

TEST_CASE("naive max pooling on hand-computed examples", "[naive]") {
  SECTION("2x2 stride 2") {
    const auto g = pool_2x2_stride_2(0, 2);
    Tensor y({1, 1, 2, 2});
    std::vector<std::int32_t> argmax(4, -7);
    naive_backend()->max_pool2d_forward(g, pool_input.data(), y.data(), argmax.data());
    CHECK(std::vector<float>(y.values().begin(), y.values().end()) ==
          std::vector<float>{5, 8, 9, 11});
    CHECK(argmax == std::vector<std::int32_t>{1, 6, 8, 15});
    const Tensor dy({1, 1, 2, 2}, {1, 2, 3, 4});
    Tensor dx({1, 1, 4, 4}, 99.0F);
    naive_backend()->max_pool2d_backward(g, dy.data(), argmax.data(), dx.data());
    CHECK(std::vector<float>(dx.values().begin(), dx.values().end()) ==
          std::vector<float>{0, 1, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 4});
  }
  SECTION("padding never wins, overlapping windows sum in backward") {
    const auto g = pool_2x2_stride_2(1, 3);
    Tensor y({1, 1, 3, 3});
    std::vector<std::int32_t> argmax(9);
    naive_backend()->max_pool2d_forward(g, pool_input.data(), y.data(), argmax.data());
    CHECK(std::vector<float>(y.values().begin(), y.values().end()) ==
          std::vector<float>{1, 5, 0, 9, 8, 7, 0, 5, 11});
    Pool2dGeometry overlap;
    overlap.in_h = 1;
    overlap.in_w = 3;
    overlap.kernel_w = 2;
    overlap.out_w = 2;
    const Tensor x({1, 1, 1, 3}, {0, 4, 1});
    naive_backend()->max_pool2d_forward(overlap, x.data(), y.data(), argmax.data());
    CHECK(argmax[0] == 1);
    CHECK(argmax[1] == 1);
    const Tensor dy({1, 1, 1, 2}, {2, 3});
    Tensor dx({1, 1, 1, 3});
    naive_backend()->max_pool2d_backward(overlap, dy.data(), argmax.data(), dx.data());
    CHECK(std::vector<float>(dx.values().begin(), dx.values().end()) ==
          std::vector<float>{0, 5, 0});
  }
  SECTION("ties go to the first in scan order") {
    const Tensor x({1, 1, 2, 2}, 3.0F);
    Pool2dGeometry g;
    g.in_h = g.in_w = g.kernel_h = g.kernel_w = 2;
    float y = 0;
    std::int32_t argmax = -1;
    naive_backend()->max_pool2d_forward(g, x.data(), &y, &argmax);
    CHECK(y == 3.0F);
    CHECK(argmax == 0);
  }
}

TEST_CASE("naive average pooling on hand-computed examples", "[naive]") {
  auto run = [](const Pool2dGeometry& g) {
    Tensor y({1, 1, g.out_h, g.out_w});
    naive_backend()->avg_pool2d_forward(g, pool_input.data(), y.data());
    return std::vector<float>(y.values().begin(), y.values().end());
  };
  CHECK(run(pool_2x2_stride_2(0, 2)) == std::vector<float>{3.25F, 4.25F, 4.5F, 4.75F});
  auto padded = pool_2x2_stride_2(1, 3);
  CHECK(run(padded) == std::vector<float>{1, 3.5F, 0, 6, 4.75F, 4.5F, 0, 4, 11});
  padded.count_include_pad = true;
  CHECK(run(padded) == std::vector<float>{0.25F, 1.75F, 0, 3, 4.75F, 2.25F, 0, 2, 2.75F});

  const Tensor dy({1, 1, 3, 3}, 4.0F);
  Tensor dx({1, 1, 4, 4}, 99.0F);
  naive_backend()->avg_pool2d_backward(padded, dy.data(), dx.data());
  for (float v : dx.values()) CHECK(v == 1.0F);  // each input in exactly one window of 4
  padded.count_include_pad = false;
  naive_backend()->avg_pool2d_backward(padded, dy.data(), dx.data());
  CHECK(dx[0] == 4.0F);  // alone in its corner window
  CHECK(dx[1] == 2.0F);  // shares an edge window with one other
  CHECK(dx[5] == 1.0F);  // in a full window
}
