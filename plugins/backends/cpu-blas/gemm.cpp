#include "gemm.hpp"

#include <tbb/blocked_range2d.h>
#include <tbb/parallel_for.h>

#include <algorithm>

namespace lumen::cpu_blas {
namespace {

constexpr Index tile_rows = 256;
constexpr Index tile_cols = 256;

}  // namespace

void tiled_gemm(bool transpose_a, bool transpose_b, Index m, Index n, Index k, float alpha,
                const float* a, Index lda, const float* b, Index ldb, float beta, float* c,
                Index ldc) {
  if (m == 0 || n == 0) return;
  const Index row_tiles = (m + tile_rows - 1) / tile_rows;
  const Index col_tiles = (n + tile_cols - 1) / tile_cols;
  tbb::parallel_for(tbb::blocked_range2d<Index>(0, row_tiles, 0, col_tiles),
                    [&](const tbb::blocked_range2d<Index>& tiles) {
                      for (Index ti = tiles.rows().begin(); ti != tiles.rows().end(); ++ti) {
                        for (Index tj = tiles.cols().begin(); tj != tiles.cols().end(); ++tj) {
                          const Index i0 = ti * tile_rows, j0 = tj * tile_cols;
                          const Index rows = std::min(tile_rows, m - i0);
                          const Index cols = std::min(tile_cols, n - j0);
                          // Rows i0.. of op(A) and columns j0.. of op(B) within the stored layout.
                          const float* a_tile = transpose_a ? a + i0 : a + i0 * lda;
                          const float* b_tile = transpose_b ? b + j0 * ldb : b + j0;
                          sgemm(transpose_a, transpose_b, rows, cols, k, alpha, a_tile, lda, b_tile,
                                ldb, beta, c + i0 * ldc + j0, ldc);
                        }
                      }
                    });
}

}  // namespace lumen::cpu_blas
