#include "gemm.hpp"

#include <oneapi/dnnl/dnnl.hpp>
#include <string>

#include "lumen/error.hpp"
#include "lumen/gemm_tiles.hpp"
#include "threads.hpp"

namespace lumen::cpu_onednn {

// Note [gemm tiles]: the layers call gemm for fully connected layers, mostly with few rows (one
// per sample). oneDNN's sgemm streams the weights once for such products where OpenBLAS packs
// them first (VGG-16's 25088x4096 layer, one sample, one thread: 27 ms against 59 forward, 34
// against 75 backward). Wide column tiles keep that streaming; a few tiles per product give a
// second thread work.
void tiled_gemm(const GemmArgs& gemm) {
  constexpr std::int64_t tile_rows = 256, tile_cols = 1024;
  run_gemm_in_tiles(gemm, tile_rows, tile_cols, [](const GemmArgs& t) {
    const OmpThreads one(1);
    const dnnl::status status =
        dnnl::sgemm(t.transpose_a ? 'T' : 'N', t.transpose_b ? 'T' : 'N', t.m, t.n, t.k, t.alpha,
                    t.a, t.lda, t.b, t.ldb, t.beta, t.c, t.ldc);
    if (status != dnnl::status::success) {
      throw Error("cpu-onednn gemm: oneDNN's sgemm failed (status " +
                  std::to_string(static_cast<int>(status)) + ")");
    }
  });
}

}  // namespace lumen::cpu_onednn
