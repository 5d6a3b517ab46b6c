#pragma once
// For backends: a gemm cut into fixed tiles run as parallel oneTBB tasks.
#include <cstdint>
#include <functional>

#include "lumen/export.hpp"

namespace lumen {

/// The arguments of Backend::gemm: C = alpha * op(A) * op(B) + beta * C, row-major.
struct GemmArgs {
  bool transpose_a = false, transpose_b = false;
  std::int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0F;
  const float* a = nullptr;
  std::int64_t lda = 0;
  const float* b = nullptr;
  std::int64_t ldb = 0;
  float beta = 0.0F;
  float* c = nullptr;
  std::int64_t ldc = 0;
};

/// Cuts C into tiles of at most tile_rows x tile_cols and calls `product` once per tile, with
/// the arguments of that tile's own gemm (rows of op(A), columns of op(B), the block of C), from
/// oneTBB tasks. The tiles depend on the sizes only, so a single-threaded `product` gives every
/// element of C from the same call on any number of threads. Nothing is called when m or n is 0.
LUMEN_API void run_gemm_in_tiles(const GemmArgs& gemm, std::int64_t tile_rows,
                                 std::int64_t tile_cols,
                                 const std::function<void(const GemmArgs& tile)>& product);

}  // namespace lumen
