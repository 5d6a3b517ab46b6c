#include <cblas.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "cpu_blas_backend.hpp"
#include "lumen/error.hpp"

namespace {

using lumen::Conv2dGeometry;
using lumen::InvalidArgument;
using lumen::Pool2dGeometry;
using lumen::ShapeError;

Conv2dGeometry valid_conv() {
  Conv2dGeometry g;
  g.in_channels = 4;
  g.out_channels = 6;
  g.in_h = g.in_w = 5;
  g.kernel_h = g.kernel_w = 3;
  g.out_h = g.out_w = 3;
  return g;
}

}  // namespace

TEST_CASE("the backend names itself and pins OpenBLAS to one thread", "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  CHECK(backend->info().name == "cpu-blas");
  CHECK_FALSE(backend->info().summary.empty());
  CHECK(openblas_get_num_threads() == 1);
}

TEST_CASE("conv2d kernels refuse inconsistent geometry, naming the parameter", "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  std::vector<float> buffer(4096);
  float* p = buffer.data();

  Conv2dGeometry g = valid_conv();
  REQUIRE_NOTHROW(backend->conv2d_forward(g, p, p + 1024, nullptr, p + 2048));

  g.groups = 4;  // divides 4 input channels but not 6 output channels
  CHECK_THROWS_AS(backend->conv2d_forward(g, p, p, nullptr, p), ShapeError);
  CHECK_THROWS_WITH(backend->conv2d_forward(g, p, p, nullptr, p),
                    Catch::Contains("conv2d_forward") && Catch::Contains("groups = 4") &&
                        Catch::Contains("out_channels = 6"));

  g = valid_conv();
  g.out_w = 4;
  CHECK_THROWS_AS(backend->conv2d_backward_data(g, p, p, p), ShapeError);
  CHECK_THROWS_WITH(backend->conv2d_backward_data(g, p, p, p),
                    Catch::Contains("out_w = 4") && Catch::Contains("gives 3"));

  g = valid_conv();
  g.kernel_h = 7;  // wider than the 5 input rows
  CHECK_THROWS_AS(backend->conv2d_backward_weights(g, p, p, p, nullptr), ShapeError);

  g = valid_conv();
  g.stride_h = 0;
  CHECK_THROWS_AS(backend->conv2d_forward(g, p, p, nullptr, p), InvalidArgument);
  CHECK_THROWS_WITH(backend->conv2d_forward(g, p, p, nullptr, p), Catch::Contains("stride_h = 0"));

  g = valid_conv();
  g.pad_right = -1;
  CHECK_THROWS_WITH(backend->conv2d_forward(g, p, p, nullptr, p),
                    Catch::Contains("pad_right = -1"));
}

TEST_CASE("gemm refuses negative sizes and short row strides", "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  std::vector<float> buffer(64);
  float* p = buffer.data();
  REQUIRE_NOTHROW(backend->gemm(false, false, 2, 3, 4, 1.0F, p, 4, p, 3, 0.0F, p + 32, 3));
  CHECK_THROWS_AS(backend->gemm(false, false, -1, 3, 4, 1.0F, p, 4, p, 3, 0.0F, p, 3),
                  InvalidArgument);
  // A is 2x4: its rows need lda >= 4, or >= 2 when it is stored transposed (4x2).
  CHECK_THROWS_WITH(backend->gemm(false, false, 2, 3, 4, 1.0F, p, 3, p, 3, 0.0F, p, 3),
                    Catch::Contains("lda = 3"));
  REQUIRE_NOTHROW(backend->gemm(true, false, 2, 3, 4, 1.0F, p, 2, p, 3, 0.0F, p + 32, 3));
  CHECK_THROWS_WITH(backend->gemm(false, true, 2, 3, 4, 1.0F, p, 4, p, 3, 0.0F, p, 3),
                    Catch::Contains("ldb = 3"));
  CHECK_THROWS_WITH(backend->gemm(false, false, 2, 3, 4, 1.0F, p, 4, p, 3, 0.0F, p, 2),
                    Catch::Contains("ldc = 2"));
}

TEST_CASE("pooling refuses bad geometry and out-of-plane winners", "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  Pool2dGeometry g;
  g.in_h = g.in_w = 2;
  g.kernel_h = g.kernel_w = 2;
  std::vector<float> x = {1, 2, 3, 4}, y(1), dx(4);
  g.kernel_w = 0;
  CHECK_THROWS_WITH(backend->avg_pool2d_forward(g, x.data(), y.data()),
                    Catch::Contains("avg_pool2d_forward") && Catch::Contains("kernel_w = 0"));
  g.kernel_w = 2;
  const std::vector<std::int32_t> outside = {4};
  CHECK_THROWS_AS(backend->max_pool2d_backward(g, y.data(), outside.data(), dx.data()),
                  InvalidArgument);
  CHECK_THROWS_WITH(backend->max_pool2d_backward(g, y.data(), outside.data(), dx.data()),
                    Catch::Contains("argmax[0] = 4"));
}
