#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "compare.hpp"
#include "cpu_blas_backend.hpp"
#include "naive_backend.hpp"

namespace {

using I = std::int64_t;
using namespace lumen::cpu_blas_test;

struct GemmCase {
  I m, n, k;
};

/// A stored matrix of `rows` x `cols` with row stride cols + pad.
struct Stored {
  I rows, cols, ld;
  I size() const { return rows * ld; }
};

Stored stored(I rows, I cols, I pad) { return {rows, cols, cols + pad}; }

}  // namespace

TEST_CASE("gemm agrees with the naive oracle for every transpose, stride, alpha and beta",
          "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  const auto oracle = lumen::testing::naive_backend();
  // Shapes below, at and across the 256 x 256 tile edges, a single row/column, and k = 0.
  const std::vector<GemmCase> shapes = {{1, 1, 1},    {5, 7, 3},      {300, 520, 70}, {257, 1, 33},
                                        {1, 600, 40}, {256, 256, 17}, {64, 48, 0}};
  const std::vector<std::pair<float, float>> scalars = {{1.0F, 0.0F}, {-0.5F, 0.75F}, {0.0F, 2.0F}};
  const float sentinel = 12345.0F;
  int compared = 0;
  for (bool transpose_a : {false, true}) {
    for (bool transpose_b : {false, true}) {
      for (const GemmCase& s : shapes) {
        for (const auto& [alpha, beta] : scalars) {
          INFO("transpose_a " << transpose_a << " transpose_b " << transpose_b << " m " << s.m
                              << " n " << s.n << " k " << s.k << " alpha " << alpha << " beta "
                              << beta);
          const Stored a = transpose_a ? stored(s.k, s.m, 3) : stored(s.m, s.k, 3);
          const Stored b = transpose_b ? stored(s.n, s.k, 2) : stored(s.k, s.n, 2);
          const Stored c = stored(s.m, s.n, 5);
          const auto a_values = random_values(a.size(), 1);
          const auto b_values = random_values(b.size(), 2);
          // beta = 0 must ignore what C holds, even NaN; elsewhere C's old values count. The
          // padding columns of C must keep the sentinel.
          auto c_initial = beta == 0.0F ? nan_filled(c.size()) : random_values(c.size(), 3);
          for (I i = 0; i < c.rows; ++i) {
            for (I j = c.cols; j < c.ld; ++j)
              c_initial[static_cast<std::size_t>(i * c.ld + j)] = sentinel;
          }
          auto actual = c_initial, expected = c_initial;
          backend->gemm(transpose_a, transpose_b, s.m, s.n, s.k, alpha, a_values.data(), a.ld,
                        b_values.data(), b.ld, beta, actual.data(), c.ld);
          oracle->gemm(transpose_a, transpose_b, s.m, s.n, s.k, alpha, a_values.data(), a.ld,
                       b_values.data(), b.ld, beta, expected.data(), c.ld);
          CHECK(relative_error(actual, expected) <= tolerance);
          bool padding_kept = true;
          for (I i = 0; i < c.rows; ++i) {
            for (I j = c.cols; j < c.ld; ++j) {
              padding_kept =
                  padding_kept && actual[static_cast<std::size_t>(i * c.ld + j)] == sentinel;
            }
          }
          CHECK(padding_kept);
          ++compared;
        }
      }
    }
  }
  REQUIRE(compared == 4 * 7 * 3);
}

TEST_CASE("gemm computes a hand-checked product", "[cpu-blas]") {
  const auto backend = lumen::make_cpu_blas_backend();
  // A = [1 2; 3 4], B = [5 6; 7 8]: A B = [19 22; 43 50], A^T B^T = (B A)^T = [23 31; 34 46].
  const std::vector<float> a = {1, 2, 3, 4}, b = {5, 6, 7, 8};
  std::vector<float> c(4);
  backend->gemm(false, false, 2, 2, 2, 1.0F, a.data(), 2, b.data(), 2, 0.0F, c.data(), 2);
  CHECK(c == std::vector<float>{19, 22, 43, 50});
  backend->gemm(true, true, 2, 2, 2, 2.0F, a.data(), 2, b.data(), 2, 0.0F, c.data(), 2);
  CHECK(c == std::vector<float>{46, 62, 68, 92});
  // beta = 1 accumulates: C = A B + C.
  backend->gemm(false, false, 2, 2, 2, 1.0F, a.data(), 2, b.data(), 2, 1.0F, c.data(), 2);
  CHECK(c == std::vector<float>{65, 84, 111, 142});
}
