#include "gemm.hpp"

#include "lumen/gemm_tiles.hpp"

namespace lumen::cpu_blas {

void tiled_gemm(bool transpose_a, bool transpose_b, Index m, Index n, Index k, float alpha,
                const float* a, Index lda, const float* b, Index ldb, float beta, float* c,
                Index ldc) {
  constexpr Index tile_rows = 256, tile_cols = 256;
  run_gemm_in_tiles({transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc},
                    tile_rows, tile_cols, [](const GemmArgs& t) {
                      sgemm(t.transpose_a, t.transpose_b, t.m, t.n, t.k, t.alpha, t.a, t.lda, t.b,
                            t.ldb, t.beta, t.c, t.ldc);
                    });
}

}  // namespace lumen::cpu_blas
