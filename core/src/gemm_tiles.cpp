#include "lumen/gemm_tiles.hpp"

#include <tbb/blocked_range2d.h>
#include <tbb/parallel_for.h>

#include <algorithm>

namespace lumen {

void run_gemm_in_tiles(const GemmArgs& gemm, std::int64_t tile_rows, std::int64_t tile_cols,
                       const std::function<void(const GemmArgs& tile)>& product) {
  using Index = std::int64_t;
  if (gemm.m == 0 || gemm.n == 0) return;
  const Index row_tiles = (gemm.m + tile_rows - 1) / tile_rows;
  const Index col_tiles = (gemm.n + tile_cols - 1) / tile_cols;
  tbb::parallel_for(tbb::blocked_range2d<Index>(0, row_tiles, 0, col_tiles),
                    [&](const tbb::blocked_range2d<Index>& tiles) {
                      for (Index ti = tiles.rows().begin(); ti != tiles.rows().end(); ++ti) {
                        for (Index tj = tiles.cols().begin(); tj != tiles.cols().end(); ++tj) {
                          const Index i0 = ti * tile_rows, j0 = tj * tile_cols;
                          GemmArgs tile = gemm;
                          tile.m = std::min(tile_rows, gemm.m - i0);
                          tile.n = std::min(tile_cols, gemm.n - j0);
                          // Rows i0.. of op(A) and columns j0.. of op(B) in the stored layouts.
                          tile.a = gemm.transpose_a ? gemm.a + i0 : gemm.a + i0 * gemm.lda;
                          tile.b = gemm.transpose_b ? gemm.b + j0 * gemm.ldb : gemm.b + j0;
                          tile.c = gemm.c + i0 * gemm.ldc + j0;
                          product(tile);
                        }
                      }
                    });
}

}  // namespace lumen
