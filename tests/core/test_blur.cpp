#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "explain_helpers.hpp"
#include "lumen/blur.hpp"
#include "lumen/error.hpp"
#include "test_models.hpp"

using lumen::BlurBorder;
using lumen::Shape;
using lumen::Tensor;

namespace {

// Index i brought into [0, n) one reflection or clamp at a time.
std::int64_t naive_index(std::int64_t i, std::int64_t n, BlurBorder border) {
  if (border == BlurBorder::replicate) return i < 0 ? 0 : i >= n ? n - 1 : i;
  while (n > 1 && (i < 0 || i >= n)) i = i < 0 ? -i : 2 * (n - 1) - i;
  return n > 1 ? i : 0;
}

// The blur as one explicit 2-D sum over the kernel window of every pixel.
Tensor naive_blur(const Tensor& x, double sigma, int kernel, BlurBorder border) {
  const auto h = x.dim(2), w = x.dim(3);
  const int r = kernel / 2;
  double total = 0.0;
  for (int a = -r; a <= r; ++a)
    for (int b = -r; b <= r; ++b) total += std::exp(-(a * a + b * b) / (2 * sigma * sigma));
  Tensor out(x.shape());
  for (std::int64_t q = 0; q < x.dim(0) * x.dim(1); ++q)
    for (std::int64_t i = 0; i < h; ++i)
      for (std::int64_t j = 0; j < w; ++j) {
        double v = 0.0;
        for (int a = -r; a <= r; ++a)
          for (int b = -r; b <= r; ++b)
            v += std::exp(-(a * a + b * b) / (2 * sigma * sigma)) / total *
                 x[(q * h + naive_index(i + a, h, border)) * w + naive_index(j + b, w, border)];
        out[(q * h + i) * w + j] = static_cast<float>(v);
      }
  return out;
}

}  // namespace

TEST_CASE("gaussian_blur equals an explicit 2-D sum for both borders", "[blur]") {
  for (const BlurBorder border : {BlurBorder::replicate, BlurBorder::reflect}) {
    for (const Shape& shape : {Shape{1, 1, 1, 1}, Shape{2, 3, 5, 7}, Shape{1, 2, 8, 8}}) {
      for (const auto& [kernel, sigma] : std::vector<std::pair<int, double>>{
               {1, 1.0}, {3, 0.8}, {5, 2.0}, {9, 1.3}, {51, 50.0}}) {
        CAPTURE(static_cast<int>(border), lumen::to_string(shape), kernel, sigma);
        const Tensor x = lumen::conformance::random_tensor(shape, 4);
        CHECK(lumen::testing::relative_difference(lumen::gaussian_blur(x, sigma, kernel, border),
                                                  naive_blur(x, sigma, kernel, border)) < 1e-5);
        const Tensor constant(shape, 0.37F);
        const Tensor blurred = lumen::gaussian_blur(constant, sigma, kernel, border);
        for (float v : blurred.values()) CHECK(v == Approx(0.37F).epsilon(1e-6));
      }
    }
  }
}

TEST_CASE("gaussian_blur's automatic kernel has radius ceil(3 sigma)", "[blur]") {
  const Tensor x = lumen::conformance::random_tensor({2, 2, 12, 9}, 7);
  for (const auto& [sigma, kernel] : std::vector<std::pair<double, std::int64_t>>{
           {0.2, 3}, {0.34, 5}, {1.0, 7}, {1.3, 9}, {2.5, 17}}) {
    CAPTURE(sigma);
    const Tensor automatic = lumen::gaussian_blur(x, sigma);
    CHECK(std::ranges::equal(automatic.values(), lumen::gaussian_blur(x, sigma, kernel).values()));
    if (sigma >= 1.0) {  // a wider kernel's outer taps are large enough to change floats
      CHECK(!std::ranges::equal(automatic.values(),
                                lumen::gaussian_blur(x, sigma, kernel + 2).values()));
    }
  }
}

TEST_CASE("gaussian_blur by hand on a row of 3 with kernel 3", "[blur]") {
  const Tensor row({1, 1, 1, 3}, {1.0F, 2.0F, 4.0F});
  const double w0 = std::exp(-0.5), w1 = 1.0, total = w1 + 2 * w0;
  // reflect: the mirror of index -1 is 1 and of 3 is 1; the column pass over 1 row is identity.
  const Tensor r = lumen::gaussian_blur(row, 1.0, 3, BlurBorder::reflect);
  CHECK(r[0] == Approx((w1 * 1 + 2 * w0 * 2) / total));
  CHECK(r[1] == Approx((w1 * 2 + w0 * 1 + w0 * 4) / total));
  CHECK(r[2] == Approx((w1 * 4 + 2 * w0 * 2) / total));
  // replicate: index -1 reads 0 and index 3 reads 2.
  const Tensor c = lumen::gaussian_blur(row, 1.0, 3, BlurBorder::replicate);
  CHECK(c[0] == Approx((w1 * 1 + w0 * 1 + w0 * 2) / total));
  CHECK(c[1] == Approx((w1 * 2 + w0 * 1 + w0 * 4) / total));
  CHECK(c[2] == Approx((w1 * 4 + w0 * 2 + w0 * 4) / total));
  // A kernel of 5 on 3 pixels mirrors twice at most: -2 -> 2, 4 -> 0.
  const double v0 = std::exp(-2.0), v1 = std::exp(-0.5), sum5 = 1 + 2 * v1 + 2 * v0;
  const Tensor wide = lumen::gaussian_blur(row, 1.0, 5, BlurBorder::reflect);
  CHECK(wide[0] == Approx((v0 * 4 + v1 * 2 + 1 * 1 + v1 * 2 + v0 * 4) / sum5));
  CHECK(wide[2] == Approx((v0 * 1 + v1 * 2 + 1 * 4 + v1 * 2 + v0 * 1) / sum5));
}

TEST_CASE("gaussian_blur refuses bad values naming the parameter", "[blur]") {
  const Tensor x({1, 1, 4, 4}, 1.0F);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(lumen::gaussian_blur(x, 0.0), Catch::Contains("sigma") && Catch::Contains("0"));
  CHECK_THROWS_WITH(lumen::gaussian_blur(x, -1.5),
                    Catch::Contains("sigma") && Catch::Contains("-1.5"));
  CHECK_THROWS_AS(lumen::gaussian_blur(x, nan), lumen::InvalidArgument);
  CHECK_THROWS_AS(lumen::gaussian_blur(x, inf), lumen::InvalidArgument);
  CHECK_THROWS_WITH(lumen::gaussian_blur(x, 1e7), Catch::Contains("sigma"));
  CHECK_THROWS_WITH(lumen::gaussian_blur(x, 1.0, 4),
                    Catch::Contains("kernel_size") && Catch::Contains("4"));
  CHECK_THROWS_WITH(lumen::gaussian_blur(x, 1.0, -3),
                    Catch::Contains("kernel_size") && Catch::Contains("-3"));
  CHECK_THROWS_AS(lumen::gaussian_blur(Tensor({4, 4}, 1.0F), 1.0), lumen::ShapeError);
}
